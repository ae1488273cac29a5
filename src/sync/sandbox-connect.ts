// Local development only (the dev seed, tests): connects a provider-sandbox account without a
// browser, through the sandbox's login_hint shortcut and the same OAuth code exchange as a person's.
import type { ConnectionRow } from "../db/queries/connections";
import { connectOAuth } from "./connect-oauth";
import { connectionOAuth } from "./connection-oauth";
import type { OAuthConnectionProvider } from "./connection-oauth";
import type { SyncContext } from "./context";
import { connectUnstored } from "./connection-lifecycle";

export interface SandboxAccount {
	sandboxUrl: string;
	provider: OAuthConnectionProvider;
	email: string;
	name: string;
	merchantId: string;
	staffId: string | null;
}

export async function connectSandboxAccount(context: SyncContext, account: SandboxAccount): Promise<ConnectionRow> {
	const created = await fetch(`${account.sandboxUrl.replace(/\/$/, "")}/_control/${account.provider}/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		// Zoom's stand-in takes a first name where the calendar stand-ins take a name.
		body: JSON.stringify(account.provider === "zoom" ? { email: account.email, firstName: account.name } : { email: account.email, name: account.name }),
	});
	if (!created.ok) throw new Error(`sandbox user not created: ${created.status}`);
	const oauth = connectionOAuth(context.env, account.provider);
	const { url, flow } = await oauth.startConnection(account.email);
	// The sandbox's consent shortcut; Zoom's client sends no login hint of its own.
	url.searchParams.set("login_hint", account.email);
	const authorized = await fetch(url, { redirect: "manual" });
	const location = authorized.headers.get("location");
	if (location === null) throw new Error(`sandbox authorize answered ${authorized.status} without a redirect`);
	const tokens = await oauth.finishConnection(new URL(location), flow, context.now());
	return connectOAuth(context, { merchantId: account.merchantId, staffId: account.staffId, provider: account.provider, tokens });
}

/**
 * A sandbox iCloud account, connected as a person does on the Integrations page: Apple ID and a fresh
 * app-specific password, tried against the sandbox's iCloud CalDAV layer before anything is stored.
 */
export async function connectSandboxICloud(context: SyncContext, account: { sandboxUrl: string; appleId: string; merchantId: string; staffId: string | null }): Promise<ConnectionRow> {
	const base = account.sandboxUrl.replace(/\/$/, "");
	const appPassword = `${randomLetters(4)}-${randomLetters(4)}-${randomLetters(4)}-${randomLetters(4)}`;
	const created = await fetch(`${base}/_control/icloud/accounts`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ appleId: account.appleId, appPassword }),
	});
	if (!created.ok) throw new Error(`sandbox iCloud account not created: ${created.status}`);
	return connectUnstored(
		context,
		{ merchantId: account.merchantId, staffId: account.staffId },
		{ provider: "icloud", credentials: { kind: "password", username: account.appleId, password: appPassword }, serverUrl: `${base}/icloud`, accountLabel: account.appleId },
	);
}

/** Lower-case letters, as Apple's app-specific passwords (xxxx-xxxx-xxxx-xxxx) have. */
function randomLetters(count: number): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => String.fromCharCode(97 + (byte % 26))).join("");
}

/** The demo merchant's sandbox calendars under `npm start`: Ana on Google, Ben on Microsoft, Chloé on iCloud. */
export async function connectDemoCalendars(context: SyncContext, sandboxUrl: string, merchantId: string): Promise<ConnectionRow[]> {
	return [
		await connectSandboxAccount(context, { sandboxUrl, provider: "google", email: "ana@demo.slotline.test", name: "Ana Jansen", merchantId, staffId: "stf_demo_ana" }),
		await connectSandboxAccount(context, { sandboxUrl, provider: "microsoft", email: "ben@demo.slotline.test", name: "Ben Okafor", merchantId, staffId: "stf_demo_ben" }),
		await connectSandboxICloud(context, { sandboxUrl, appleId: "chloe@demo.slotline.test", merchantId, staffId: "stf_demo_chloe" }),
	];
}
