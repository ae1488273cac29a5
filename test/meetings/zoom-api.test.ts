// The Zoom Meetings API adapter (src/meetings/zoom.ts) against the sandbox's Zoom: its calls and statuses, the
// lookup by marker across pages, and Zoom's failures as typed errors (refresh once on 401, Retry-After on 429,
// 5xx and timeouts retryable, validation not).
import { afterEach, describe, expect, it } from "vitest";
import type { AccessTokenSource } from "../../src/calendars/provider";
import { ProviderError, TokenRevokedError } from "../../src/calendars/provider";
import { ZoomOAuth } from "../../src/oauth/zoom";
import { carriesMarker, ZoomApi } from "../../src/meetings/zoom";
import type { ZoomMeetingRequest } from "../../src/meetings/zoom";
import { control, sandboxUrl } from "../support/sandbox-control";
import { ZOOM_TEST_CLIENT, zoomMeetingsOf } from "../support/zoom";

const API = `${sandboxUrl}/zoom/v2`;
const HOUR = 3_600_000;

/** A sandbox account's tokens, refreshed through Zoom's client; counts the refreshes. */
async function account(): Promise<{ email: string; tokens: AccessTokenSource & { refreshes: number } }> {
	const email = `zoom-${crypto.randomUUID().slice(0, 8)}@example.test`;
	await control("/zoom/users", { email });
	const oauth = new ZoomOAuth({ base: `${sandboxUrl}/zoom/oauth`, ...ZOOM_TEST_CLIENT, redirectUri: "https://app.slotline.test/connections/zoom/callback" });
	const { url, flow } = await oauth.startConnection();
	url.searchParams.set("login_hint", email);
	const authorized = await fetch(url, { redirect: "manual" });
	let set = await oauth.finishConnection(new URL(authorized.headers.get("location") ?? ""), flow, Date.now());
	const tokens = {
		refreshes: 0,
		get: async (): Promise<string> => set.accessToken,
		refresh: async (): Promise<string> => {
			tokens.refreshes++;
			set = await oauth.refresh(set.refreshToken ?? "", Date.now());
			return set.accessToken;
		},
	};
	return { email, tokens };
}

function request(marker: string, start = Date.now() + 48 * HOUR): ZoomMeetingRequest {
	return { topic: "Haircut", agenda: `Booked through Slotline.\n${marker}`, timing: { kind: "scheduled", start, end: start + 45 * 60_000, timeZone: "Europe/Amsterdam" } };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
	const error = await promise.then(
		() => null,
		(thrown: unknown) => thrown,
	);
	if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
	return error;
}

const scopes: string[] = [];
afterEach(async () => {
	for (const email of scopes.splice(0)) await control(`/faults?account=${encodeURIComponent(email)}`, undefined, "DELETE");
	await control("/zoom/config", { dailyMeetingWriteLimit: 100 });
});

describe("the Zoom adapter", () => {
	it("says who the account is, and creates, reads, moves and deletes a meeting keeping its link", async () => {
		const { email, tokens } = await account();
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init) });
		const me = await api.me();
		expect(me.email).toBe(email);
		expect(me.id).not.toBe("");

		const created = await api.createMeeting(request("slotline:bkg_one"));
		expect(created.joinUrl).toMatch(/^https:\/\/zoom\.us\/j\//);
		expect(carriesMarker(created.agenda, "slotline:bkg_one")).toBe(true);
		const later = Date.now() + 72 * HOUR;
		expect(await api.updateMeeting(created.id, request("slotline:bkg_one", later))).toBe("updated");
		expect(await api.getMeeting(created.id)).toEqual(created);
		const [stored] = await zoomMeetingsOf(email);
		expect(stored?.start_time).toBe(new Date(later).toISOString().replace(/\.\d{3}Z$/, "Z"));

		await api.deleteMeeting(created.id);
		// Already gone is deleted all the same; reading or moving it finds nothing.
		await api.deleteMeeting(created.id);
		expect(await api.getMeeting(created.id)).toBeNull();
		expect(await api.updateMeeting(created.id, request("slotline:bkg_one"))).toBe("gone");
	});

	it("creates a recurring meeting with no fixed time for a series", async () => {
		const { email, tokens } = await account();
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init) });
		const created = await api.createMeeting({ topic: "Haircut", agenda: "slotline:ser_x", timing: { kind: "anytime" } });
		expect(await zoomMeetingsOf(email)).toMatchObject([{ id: Number(created.id), type: 3 }]);
	});

	it("finds the meeting carrying a marker across pages, and nothing for a marker no meeting carries", async () => {
		await control("/zoom/config", { dailyMeetingWriteLimit: 1_000 });
		const { email, tokens } = await account();
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init) });
		const start = Date.now() + 48 * HOUR;
		// More than one page of 300, the sought one last by start time.
		for (let i = 0; i < 305; i++) {
			const response = await fetch(`${API}/users/me/meetings`, {
				method: "POST",
				headers: { authorization: `Bearer ${await tokens.get()}`, "content-type": "application/json" },
				body: JSON.stringify({ topic: "Other", type: 2, start_time: new Date(start + i * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"), duration: 30, agenda: `slotline:bkg_${i}` }),
			});
			expect(response.status).toBe(201);
		}
		const sought = await api.createMeeting(request("slotline:bkg_sought", start + 400 * 60_000));
		expect(await api.findMeeting("slotline:bkg_sought")).toEqual(sought);
		// A marker is a whole line: bkg_3 is not bkg_30.
		expect((await api.findMeeting("slotline:bkg_3"))?.agenda).toBe("slotline:bkg_3");
		expect(await api.findMeeting("slotline:bkg_missing")).toBeNull();
		expect(await zoomMeetingsOf(email)).toHaveLength(306);
	});

	it("refreshes once after a 401 and repeats the call", async () => {
		const { email, tokens } = await account();
		scopes.push(email);
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init) });
		await control("/faults", { provider: "zoom", expireAccessTokens: true, scope: { account: email } });
		expect((await api.me()).email).toBe(email);
		expect(tokens.refreshes).toBe(1);
	});

	it("passes on a dead grant as TokenRevokedError", async () => {
		const revoked: AccessTokenSource = {
			get: async () => "zm.sbx_not-a-token",
			refresh: async () => {
				throw new TokenRevokedError("zoom", 400, "invalid_grant");
			},
		};
		const error = await failure(new ZoomApi({ api: API, tokens: revoked, fetch: (input, init) => fetch(input, init) }).me());
		expect(error).toBeInstanceOf(TokenRevokedError);
	});

	it("makes 429 retryable after Retry-After, seconds or the daily limit's date-time", async () => {
		const { email, tokens } = await account();
		scopes.push(email);
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init) });
		await control("/faults", { provider: "zoom", endpoint: "meetings.create", status: 429, retryAfter: 7, count: 1, scope: { account: email } });
		expect(await failure(api.createMeeting(request("slotline:a")))).toMatchObject({ provider: "zoom", status: 429, code: "429", retryable: true, retryAfterSeconds: 7 });

		await control("/zoom/config", { dailyMeetingWriteLimit: 0 });
		const daily = await failure(api.createMeeting(request("slotline:b")));
		expect(daily).toMatchObject({ status: 429, retryable: true });
		// Until the next 00:00 UTC on the sandbox's clock.
		expect(daily.retryAfterSeconds).toBeGreaterThan(0);
		expect(await zoomMeetingsOf(email)).toHaveLength(0);
	});

	it("makes 5xx and timeouts retryable and validation failures final", async () => {
		const { email, tokens } = await account();
		scopes.push(email);
		const api = new ZoomApi({ api: API, tokens, fetch: (input, init) => fetch(input, init), timeoutMs: 500 });
		await control("/faults", { provider: "zoom", endpoint: "meetings.create", status: 503, count: 1, scope: { account: email } });
		expect(await failure(api.createMeeting(request("slotline:a")))).toMatchObject({ status: 503, retryable: true });
		await control("/faults", { provider: "zoom", endpoint: "meetings.get", status: 504, latencyMs: 800, count: 1, scope: { account: email } });
		expect(await failure(api.getMeeting("81234567890"))).toMatchObject({ status: 0, code: "timeout", retryable: true });
		const invalid = await failure(api.createMeeting({ ...request("slotline:c"), timing: { kind: "scheduled", start: Date.now() + HOUR, end: Date.now() + 2 * HOUR, timeZone: "Mars/Olympus" } }));
		expect(invalid).toMatchObject({ status: 400, code: "300", retryable: false });
		expect(String(invalid)).not.toContain("Mars");
	});
});
