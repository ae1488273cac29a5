// Where a browser may be sent after signing in: a page of this site, never another one.

/**
 * C0 controls and DEL (browsers silently drop tabs and newlines from URLs, so "/\t/evil.example"
 * becomes "//evil.example") and the backslash (which browsers read as a slash).
 */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f\\]/;
const MAX_LENGTH = 2048;

/**
 * `value` as a path on our own site, or null when it is not one. It is resolved against the app's
 * URL exactly as a browser would resolve it, and must land on the same origin; anything with a
 * control character or backslash is refused rather than repaired. The answer is the normalised
 * path of the resolved URL (what was checked is what is used), and never begins with "//".
 */
export function safeReturnTo(value: string | null | undefined, appUrl: string): string | null {
	if (value === null || value === undefined || value.length > MAX_LENGTH) return null;
	if (!value.startsWith("/") || UNSAFE_CHARACTERS.test(value)) return null;
	const app = new URL(appUrl);
	let url: URL;
	try {
		url = new URL(value, app);
	} catch {
		return null;
	}
	if (url.origin !== app.origin || url.username !== "" || url.password !== "") return null;
	const path = `${url.pathname}${url.search}${url.hash}`;
	// "/.//evil.example" normalises to "//evil.example": another host to whoever resolves it next.
	if (path.startsWith("//")) return null;
	return path;
}
