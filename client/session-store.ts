// The tab's session storage where the browser allows it. Safari, Firefox's strict mode and Brave block
// storage in a third-party frame (the widget on a shop's page), where merely reading
// `window.sessionStorage` throws; a visitor can also block it for every site. Callers get null and
// carry on without it.
export function sessionStore(): Storage | null {
	try {
		const storage = window.sessionStorage;
		// Some browsers hand out the object and refuse only its use (Safari's old private mode).
		const probe = "slotline:probe";
		storage.setItem(probe, "1");
		storage.removeItem(probe);
		return storage;
	} catch {
		return null;
	}
}
