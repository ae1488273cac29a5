// Gives a staff member (or the business) a Zoom connection in the sandbox for meeting tests: the sandbox's OAuth
// (login_hint shortcut, Basic-authenticated token endpoint) through Zoom's real client, users/me for the account
// id, and the calendar_connections row written directly with the tokens sealed, as connecting stores them.
// Switch to the Integrations page's connect flow once it exists (only connectZoom's body changes).
import { env } from "cloudflare:workers";
import { calendarConnections } from "../../src/db/schema";
import type { ConnectionRow } from "../../src/db/queries/connections";
import { connectionById } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { newId } from "../../src/ids";
import { ZoomOAuth } from "../../src/oauth/zoom";
import type { SyncContext } from "../../src/sync/context";
import { control, sandboxUrl } from "./sandbox-control";

export const ZOOM_TEST_CLIENT = { clientId: "slotline-test-zoom", clientSecret: "test-zoom-secret" };

export interface ZoomAccount {
	connection: ConnectionRow;
	/** The sandbox account (and the connection's label). */
	email: string;
}

/** A new sandbox Zoom account connected for `staffId` (null: the business). */
export async function connectZoom(context: SyncContext, options: { staffId: string | null; merchantId?: string; email?: string }): Promise<ZoomAccount> {
	const email = options.email ?? `zoom-${crypto.randomUUID().slice(0, 8)}@example.test`;
	await control("/zoom/users", { email });
	const oauth = new ZoomOAuth({ base: `${sandboxUrl}/zoom/oauth`, ...ZOOM_TEST_CLIENT, redirectUri: `${env.APP_URL}/connections/zoom/callback` });
	const { url, flow } = await oauth.startConnection();
	url.searchParams.set("login_hint", email);
	const authorized = await fetch(url, { redirect: "manual" });
	const location = authorized.headers.get("location");
	if (location === null) throw new Error(`sandbox Zoom authorize answered ${authorized.status} without a redirect`);
	const now = context.now();
	const tokens = await oauth.finishConnection(new URL(location), flow, now);
	const me = await fetch(`${sandboxUrl}/zoom/v2/users/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
	const user = (await me.json()) as { id: string };
	const sealed = await context.vault.seal({ kind: "oauth", accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, scope: tokens.scope ?? null });
	const id = newId("con");
	await context.db.insert(calendarConnections).values({
		id,
		merchantId: options.merchantId ?? DEMO_MERCHANT_ID,
		staffId: options.staffId,
		provider: "zoom",
		accountLabel: email,
		status: "active",
		credentials: sealed.ciphertext,
		credentialsKeyId: sealed.keyId,
		accessTokenExpiresAt: tokens.expiresAt,
		externalAccountId: user.id,
		updatedAt: now,
	});
	const connection = await connectionById(context.db, id);
	if (connection === null) throw new Error("the Zoom connection was not stored");
	return { connection, email };
}

export interface SandboxZoomMeeting {
	id: number;
	topic: string;
	type: number;
	start_time: string;
	duration: number;
	timezone: string;
	agenda: string;
	join_url: string;
	host_email: string;
	deleted: boolean;
}

/** Every meeting the sandbox holds for a host, deleted ones too (the "exactly one meeting" checks). */
export async function zoomMeetingsOf(email: string): Promise<SandboxZoomMeeting[]> {
	const { meetings } = (await control(`/zoom/meetings?host=${encodeURIComponent(email)}&includeDeleted=true`)) as { meetings: SandboxZoomMeeting[] };
	return meetings;
}
