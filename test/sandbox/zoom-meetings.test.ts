// The Zoom stand-in's Meetings API (docs/integrations.md 3.2-3.4): create/get/patch/delete/list with Zoom's
// statuses and error codes, the per-user daily limit, and faults that fail the call or lose its answer.
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { postJson, sandboxPerFile } from "./helpers";
import type { CreatedMeeting } from "./zoom-helpers";
import { createMeeting, MEETING, storedMeetings, zoomApi, zoomSignIn } from "./zoom-helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

describe("Zoom meetings", () => {
	it("creates a scheduled meeting (201) with Zoom's fields", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const res = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", { ...MEETING, settings: { join_before_host: true } });
		expect(res.status).toBe(201);
		const meeting = (await res.json()) as CreatedMeeting & { settings: Record<string, unknown>; type: number };
		expect(meeting).toMatchObject({ topic: "Intro call", type: 2, start_time: "2026-09-01T14:00:00Z", duration: 30, timezone: "Europe/Berlin", agenda: "Slotline booking b_1" });
		expect(String(meeting.id)).toMatch(/^\d{11}$/);
		expect(meeting.uuid).toMatch(/^[A-Za-z0-9+/]{22}==$/);
		expect(meeting.join_url).toMatch(new RegExp(`^https://zoom\\.us/j/${meeting.id}\\?pwd=`));
		expect(meeting.start_url).toMatch(new RegExp(`^https://zoom\\.us/s/${meeting.id}\\?zak=`));
		expect(meeting.password).toMatch(/^[A-Za-z0-9@\-_*]{1,10}$/);
		expect(meeting.settings).toMatchObject({ join_before_host: true, approval_type: 2 });
	});

	it("reads a local start_time in the meeting's timezone and prints UTC", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token, { ...MEETING, start_time: "2026-09-01T16:00:00" });
		expect(meeting.start_time).toBe("2026-09-01T14:00:00Z");
	});

	it("updates with 204 and keeps the join link; a deleted meeting is 3001 from then on", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		const patched = await zoomApi(sandbox, access_token, "PATCH", `/meetings/${meeting.id}`, { start_time: "2026-09-02T09:00:00Z", duration: 45 });
		expect(patched.status).toBe(204);
		expect(await patched.text()).toBe("");
		const read = (await (await zoomApi(sandbox, access_token, "GET", `/meetings/${meeting.id}`)).json()) as CreatedMeeting;
		expect(read).toMatchObject({ id: meeting.id, start_time: "2026-09-02T09:00:00Z", duration: 45, join_url: meeting.join_url });

		expect((await zoomApi(sandbox, access_token, "DELETE", `/meetings/${meeting.id}?schedule_for_reminder=false`)).status).toBe(204);
		const gone = await zoomApi(sandbox, access_token, "GET", `/meetings/${meeting.id}`);
		expect(gone.status).toBe(404);
		expect(await gone.json()).toEqual({ code: 3001, message: `Meeting ${meeting.id} is not found or has expired.` });
		expect((await zoomApi(sandbox, access_token, "DELETE", `/meetings/${meeting.id}`)).status).toBe(404);
		expect((await zoomApi(sandbox, access_token, "PATCH", `/meetings/${meeting.id}`, { topic: "x" })).status).toBe(404);
	});

	it("creates a recurring meeting with no fixed time (type 3), listed as upcoming however long ago it was made", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const { start_time: _start, duration: _duration, ...untimed } = MEETING;
		const meeting = (await createMeeting(sandbox, access_token, { ...untimed, type: 3 })) as CreatedMeeting & { type: number };
		expect(meeting.type).toBe(3);
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 30 * 86_400 });
		// The first access token has expired by then.
		const again = await zoomSignIn(sandbox, "zed@example.com");
		const res = await zoomApi(sandbox, again.access_token, "GET", "/users/me/meetings?type=upcoming");
		expect(((await res.json()) as { meetings: Array<{ id: number }> }).meetings.map((m) => m.id)).toEqual([meeting.id]);
	});

	it("refuses invalid fields with code 300 and leaves nothing behind", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		for (const bad of [{ start_time: "tomorrow" }, { password: "far-too-long-passcode" }, { timezone: "Mars/Olympus" }, { duration: -5 }, { type: 8 }]) {
			const res = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", { ...MEETING, ...bad });
			expect(res.status, JSON.stringify(bad)).toBe(400);
			expect(await res.json()).toMatchObject({ code: 300 });
		}
		expect(await storedMeetings(sandbox, "zed@example.com")).toHaveLength(0);
	});

	it("lists a user's meetings in pages, so a client can find one by its agenda", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		for (let day = 1; day <= 5; day++) await createMeeting(sandbox, access_token, { ...MEETING, start_time: `2026-09-0${day}T10:00:00Z`, agenda: `Slotline booking b_${day}` });
		const agendas: string[] = [];
		let token = "";
		let pages = 0;
		do {
			const res = await zoomApi(sandbox, access_token, "GET", `/users/me/meetings?type=scheduled&page_size=2&next_page_token=${encodeURIComponent(token)}`);
			expect(res.status).toBe(200);
			const page = (await res.json()) as { total_records: number; page_size: number; next_page_token: string; meetings: Array<{ agenda: string; join_url: string }> };
			expect(page.total_records).toBe(5);
			expect(page.page_size).toBe(2);
			agendas.push(...page.meetings.map((m) => m.agenda));
			token = page.next_page_token;
			pages += 1;
		} while (token !== "");
		expect(pages).toBe(3);
		expect(agendas).toEqual(["b_1", "b_2", "b_3", "b_4", "b_5"].map((b) => `Slotline booking ${b}`));
	});

	it("lists only meetings not yet over as upcoming, on the sandbox clock", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const now = Date.parse(((await (await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 1 })).json()) as { now: string }).now);
		const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
		await createMeeting(sandbox, access_token, { ...MEETING, start_time: iso(now - 3 * 3_600_000), agenda: "past" });
		await createMeeting(sandbox, access_token, { ...MEETING, start_time: iso(now + 3_600_000), agenda: "future" });
		const upcoming = (await (await zoomApi(sandbox, access_token, "GET", "/users/me/meetings?type=upcoming")).json()) as { meetings: Array<{ agenda: string }> };
		expect(upcoming.meetings.map((m) => m.agenda)).toEqual(["future"]);
		const scheduled = (await (await zoomApi(sandbox, access_token, "GET", "/users/me/meetings")).json()) as { meetings: unknown[] };
		expect(scheduled.meetings).toHaveLength(2);
	});

	it("keeps each user to their own meetings: 3003 to change another host's, 3001 to read it, 1001 for another user", async () => {
		const zed = await zoomSignIn(sandbox, "zed@example.com");
		const ola = await zoomSignIn(sandbox, "ola@example.com");
		const meeting = await createMeeting(sandbox, zed.access_token);
		const patch = await zoomApi(sandbox, ola.access_token, "PATCH", `/meetings/${meeting.id}`, { topic: "mine now" });
		expect(patch.status).toBe(400);
		expect(await patch.json()).toMatchObject({ code: 3003 });
		expect((await zoomApi(sandbox, ola.access_token, "DELETE", `/meetings/${meeting.id}`)).status).toBe(400);
		expect((await zoomApi(sandbox, ola.access_token, "GET", `/meetings/${meeting.id}`)).status).toBe(404);
		const other = await zoomApi(sandbox, ola.access_token, "GET", `/users/${meeting.host_id}/meetings`);
		expect(other.status).toBe(404);
		expect(await other.json()).toMatchObject({ code: 1001 });
		expect(await storedMeetings(sandbox, "zed@example.com")).toHaveLength(1);
	});

	it("counts 100 creates and updates a day per user (configurable), then 429 until 00:00 UTC", async () => {
		await postJson(`${sandbox.url}/_control/zoom/config`, { dailyMeetingWriteLimit: 2 });
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		expect((await zoomApi(sandbox, access_token, "PATCH", `/meetings/${meeting.id}`, { topic: "moved" })).status).toBe(204);
		const refused = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", MEETING);
		expect(refused.status).toBe(429);
		expect(await refused.json()).toMatchObject({ code: 429, message: expect.stringContaining("daily rate limit (2)") });
		expect(refused.headers.get("x-ratelimit-type")).toBe("Daily-limit");
		const retryAt = Date.parse(refused.headers.get("retry-after") ?? "");
		expect(new Date(retryAt).toISOString()).toMatch(/T00:00:00\.000Z$/);
		// Deleting is not counted.
		expect((await zoomApi(sandbox, access_token, "DELETE", `/meetings/${meeting.id}`)).status).toBe(204);
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 86_400 });
		const renewed = (await (await zoomSignIn(sandbox, "zed@example.com")).access_token);
		expect((await zoomApi(sandbox, renewed, "POST", "/users/me/meetings", MEETING)).status).toBe(201);
	});
});

describe("Zoom faults", () => {
	it("throttles with 429, Retry-After and Zoom's rate-limit headers", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", endpoint: "meetings.create", status: 429, retryAfter: 2, count: 1, scope: { account: "zed@example.com" } });
		const throttled = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", MEETING);
		expect(throttled.status).toBe(429);
		expect(await throttled.json()).toEqual({ code: 429, message: "You have reached the maximum per-second rate limit for this API. Try again later." });
		expect(throttled.headers.get("retry-after")).toBe("2");
		expect(throttled.headers.get("x-ratelimit-category")).toBe("Medium");
		expect(throttled.headers.get("x-ratelimit-type")).toBe("QPS");
		expect(throttled.headers.get("x-ratelimit-remaining")).toBe("0");
		expect(await storedMeetings(sandbox, "zed@example.com")).toHaveLength(0);
		expect((await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", MEETING)).status).toBe(201);
	});

	it("answers 5xx in Zoom's shape without creating anything", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", endpoint: "*", status: 503, count: 1, scope: { account: "zed@example.com" } });
		const failed = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", MEETING);
		expect(failed.status).toBe(503);
		expect(await failed.json()).toMatchObject({ code: 503 });
		expect(await storedMeetings(sandbox, "zed@example.com")).toHaveLength(0);
	});

	it("loses the answer of a create that happened: exactly one meeting, which the listing finds by agenda", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", endpoint: "meetings.create", status: 504, afterSuccess: true, count: 1, scope: { account: "zed@example.com" } });
		const lost = await zoomApi(sandbox, access_token, "POST", "/users/me/meetings", { ...MEETING, agenda: "Slotline booking b_lost" });
		expect(lost.status).toBe(504);
		expect(await lost.json()).toMatchObject({ code: 504 });
		const stored = await storedMeetings(sandbox, "zed@example.com");
		expect(stored).toHaveLength(1);
		const listed = (await (await zoomApi(sandbox, access_token, "GET", "/users/me/meetings?type=scheduled")).json()) as { meetings: Array<{ id: number; agenda: string }> };
		expect(listed.meetings.filter((m) => m.agenda === "Slotline booking b_lost").map((m) => m.id)).toEqual([stored[0]?.id]);
	});

	it("delays the answer of a create that happened, so a client that gives up has still created the meeting", async () => {
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", endpoint: "meetings.create", latencyMs: 1500, afterSuccess: true, count: 1, scope: { account: "zed@example.com" } });
		const attempt = fetch(`${sandbox.url}/zoom/v2/users/me/meetings`, {
			method: "POST",
			headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
			body: JSON.stringify(MEETING),
			signal: AbortSignal.timeout(100),
		});
		await expect(attempt).rejects.toThrow();
		expect(await storedMeetings(sandbox, "zed@example.com")).toHaveLength(1);
	});
});
