// Gives a staff member (or the business) a Zoom connection in the sandbox for meeting tests: a new sandbox account
// connected through the same code exchange and connect step as a person's (src/sync/sandbox-connect.ts), and
// the sandbox's record of a host's meetings.
import type { ConnectionRow } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import type { SyncContext } from "../../src/sync/context";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
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
	const connection = await connectSandboxAccount(context, { sandboxUrl, provider: "zoom", email, name: "Zoom Host", merchantId: options.merchantId ?? DEMO_MERCHANT_ID, staffId: options.staffId });
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
