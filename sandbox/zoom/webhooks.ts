// Zoom's event notifications (docs/integrations.md 3.5): each app's endpoint, the URL validation challenge it
// must pass, and signed deliveries (x-zm-signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}") in hex).
import { createHmac, randomBytes } from "node:crypto";
import type { SandboxState } from "../state";
import { zoomTime } from "./meetings";

export interface WebhookEndpoint {
	url: string;
	secretToken: string;
	/** False after a failed revalidation: events are held back ("paused" in the log) until one passes. */
	validated: boolean;
	lastValidation: string;
}

export interface ValidationResult {
	ok: boolean;
	/** What the endpoint answered: status and body, or null when unreachable or slower than the timeout. */
	answer: { status: number; text: string } | null;
	plainToken: string;
	expected: string;
}

export function hmacHex(secret: string, message: string): string {
	return createHmac("sha256", secret).update(message).digest("hex");
}

/**
 * The headers of one delivery. The timestamp is the wall clock, not the sandbox clock: receivers compare it with
 * their own time, and a test that advanced the shared sandbox clock must not make everyone's webhooks look stale.
 */
function signedHeaders(secret: string, body: string): Record<string, string> {
	const timestamp = String(Math.floor(Date.now() / 1000));
	return {
		"content-type": "application/json; charset=utf-8",
		"user-agent": "Zoom Marketplace/1.0a",
		"x-zm-request-timestamp": timestamp,
		"x-zm-signature": `v0=${hmacHex(secret, `v0:${timestamp}:${body}`)}`,
	};
}

/**
 * Sends `endpoint.url_validation` (on saving the URL, and Zoom's 72-hour recheck) and checks the answer: 200 with
 * JSON `{plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}` within the timeout.
 */
export async function validateEndpoint(state: SandboxState, clientId: string, url: string, secretToken: string): Promise<ValidationResult> {
	const plainToken = randomBytes(16).toString("base64url");
	const body = JSON.stringify({ payload: { plainToken }, event_ts: Date.now(), event: "endpoint.url_validation" });
	const expected = hmacHex(secretToken, plainToken);
	const answer = await state.webhooks.exchange("zoom", url, signedHeaders(secretToken, body), body, state.zoom.settings.webhookTimeoutMs, { clientId });
	let ok = false;
	if (answer?.status === 200) {
		try {
			const parsed = JSON.parse(answer.text) as { plainToken?: unknown; encryptedToken?: unknown };
			ok = parsed.plainToken === plainToken && parsed.encryptedToken === expected;
		} catch {
			ok = false;
		}
	}
	return { ok, answer, plainToken, expected };
}

/** Delivers one event to one app's endpoint, signed with its secret, retried as Zoom retries (compressed). */
export function sendEvent(state: SandboxState, clientId: string, event: string, payload: Record<string, unknown>, account: string): void {
	const endpoint = state.zoom.endpoints.get(clientId);
	if (endpoint === undefined) return;
	const body = JSON.stringify({ event, payload, event_ts: Date.now() });
	const headers = signedHeaders(endpoint.secretToken, body);
	const about = { account };
	if (!endpoint.validated) {
		state.webhooks.recordDropped("zoom", endpoint.url, headers, body, "paused", about);
		return;
	}
	if (state.faults.shouldDropNotification("zoom", { account, clientId })) {
		state.webhooks.recordDropped("zoom", endpoint.url, headers, body, "dropped", about);
		return;
	}
	const { webhookRetryDelaysMs, webhookTimeoutMs } = state.zoom.settings;
	state.webhooks.send("zoom", endpoint.url, headers, body, { retryDelaysMs: webhookRetryDelaysMs, timeoutMs: webhookTimeoutMs }, about);
}

/** An event about a host's meeting goes to every app the host has authorized (and not removed) that has an endpoint. */
export function sendMeetingEvent(state: SandboxState, hostEmail: string, event: string, payload: Record<string, unknown>): void {
	for (const clientId of state.zoom.endpoints.keys()) {
		if (state.zoom.auth.liveGrants({ userEmail: hostEmail, clientId }) > 0) sendEvent(state, clientId, event, payload, hostEmail);
	}
}

/** The `app_deauthorized` payload (3.5); `user_data_retention` is a string. */
export function deauthorizationPayload(state: SandboxState, email: string, clientId: string, retention: boolean): Record<string, unknown> {
	const profile = state.zoom.profiles.get(email);
	return {
		account_id: profile?.accountId ?? "",
		user_id: profile?.id ?? "",
		signature: randomBytes(32).toString("hex"),
		deauthorization_time: zoomTime(state.clock.now()),
		client_id: clientId,
		user_data_retention: String(retention),
	};
}
