import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, microsoftSignIn, postJson, sandboxPerFile } from "./helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

describe("mailbox", () => {
	it("stores a message with an attachment and returns it by recipient", async () => {
		const content = Buffer.from("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").toString("base64");
		const res = await postJson(`${sandbox.url}/mail/messages`, {
			from: "bookings@slotline.test",
			to: "ana@example.com",
			subject: "Your booking",
			text: "See you soon",
			html: "<p>See you soon</p>",
			attachments: [{ filename: "invite.ics", contentType: "text/calendar", content }],
		});
		expect(res.status).toBe(201);
		await postJson(`${sandbox.url}/mail/messages`, { from: "x@slotline.test", to: ["bob@example.com"], subject: "Other", text: "." });

		const list = (await (await fetch(`${sandbox.url}/_control/mail?to=ana@example.com`)).json()) as { messages: Array<Record<string, unknown>> };
		expect(list.messages).toHaveLength(1);
		expect(list.messages[0]).toMatchObject({ subject: "Your booking", to: ["ana@example.com"], attachments: [{ filename: "invite.ics", content }] });

		const inbox = await (await fetch(`${sandbox.url}/mail`)).text();
		expect(inbox).toContain("Your booking");
		expect(inbox).toContain("Other");
		const id = String(list.messages[0]?.id);
		const attachment = await fetch(`${sandbox.url}/mail/${id}/attachments/0`);
		expect(attachment.headers.get("content-type")).toBe("text/calendar");
		expect(await attachment.text()).toContain("BEGIN:VCALENDAR");
	});

	it("escapes message HTML in the inbox page", async () => {
		await postJson(`${sandbox.url}/mail/messages`, { from: "a@b.c", to: "d@e.f", subject: "<script>x</script>", text: "t" });
		const inbox = await (await fetch(`${sandbox.url}/mail`)).text();
		expect(inbox).not.toContain("<script>x</script>");
		expect(inbox).toContain("&lt;script&gt;");
	});

	it("rejects a message without recipients", async () => {
		const res = await postJson(`${sandbox.url}/mail/messages`, { from: "a@b.c", subject: "s", text: "t" });
		expect(res.status).toBe(400);
	});
});

describe("fault injection", () => {
	it("answers 429 with Retry-After in Google's error shape, then recovers after count", async () => {
		const tokens = await googleSignIn(sandbox, "faulty@example.com");
		const fault = await postJson(`${sandbox.url}/_control/faults`, { provider: "google", endpoint: "calendarList.list", status: 429, retryAfter: 2, count: 1 });
		expect(fault.status).toBe(201);
		const first = await fetch(`${sandbox.url}/google/calendar/v3/users/me/calendarList`, { headers: bearer(tokens.access_token) });
		expect(first.status).toBe(429);
		expect(first.headers.get("retry-after")).toBe("2");
		expect(await first.json()).toMatchObject({ error: { code: 429, errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }] } });
		const second = await fetch(`${sandbox.url}/google/calendar/v3/users/me/calendarList`, { headers: bearer(tokens.access_token) });
		expect(second.status).toBe(200);
	});

	it("is reproducible with a seed and cleared by DELETE", async () => {
		const tokens = await googleSignIn(sandbox, "seeded@example.com");
		async function run(): Promise<number[]> {
			await fetch(`${sandbox.url}/_control/faults`, { method: "DELETE" });
			await postJson(`${sandbox.url}/_control/faults`, { provider: "google", endpoint: "*", errorRate: 0.5, status: 503, seed: 42 });
			const statuses: number[] = [];
			for (let i = 0; i < 12; i++) {
				const res = await fetch(`${sandbox.url}/google/calendar/v3/colors`, { headers: bearer(tokens.access_token) });
				statuses.push(res.status);
			}
			return statuses;
		}
		const a = await run();
		const b = await run();
		expect(a).toEqual(b);
		expect(a).toContain(503);
		expect(a).toContain(200);
		await fetch(`${sandbox.url}/_control/faults`, { method: "DELETE" });
		const after = await fetch(`${sandbox.url}/google/calendar/v3/colors`, { headers: bearer(tokens.access_token) });
		expect(after.status).toBe(200);
	});

	it("answers 403 with Retry-After as Google's rate limit, or its quota error by reason", async () => {
		const tokens = await googleSignIn(sandbox, "faulty@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", endpoint: "events.list", status: 403, retryAfter: 4, count: 1 });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", endpoint: "events.insert", status: 403, reason: "quotaExceeded", count: 1 });
		const limited = await fetch(`${sandbox.url}/google/calendar/v3/calendars/primary/events`, { headers: bearer(tokens.access_token) });
		expect(limited.status).toBe(403);
		expect(limited.headers.get("retry-after")).toBe("4");
		expect(await limited.json()).toMatchObject({ error: { code: 403, errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }] } });
		const quota = await postJson(`${sandbox.url}/google/calendar/v3/calendars/primary/events`, { start: { dateTime: "2026-03-02T09:00:00Z" }, end: { dateTime: "2026-03-02T10:00:00Z" } }, bearer(tokens.access_token));
		expect(quota.status).toBe(403);
		expect(await quota.json()).toMatchObject({ error: { message: "Calendar usage limits exceeded.", errors: [{ reason: "quotaExceeded" }] } });
		expect((await fetch(`${sandbox.url}/google/calendar/v3/calendars/primary/events`, { headers: bearer(tokens.access_token) })).status).toBe(200);
	});

	it("adds latency to matching requests without failing them", async () => {
		const tokens = await googleSignIn(sandbox, "slow@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", endpoint: "colors.get", latencyMs: 400 });
		const started = Date.now();
		const slow = await fetch(`${sandbox.url}/google/calendar/v3/colors`, { headers: bearer(tokens.access_token) });
		expect(slow.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(390);
		const other = Date.now();
		expect((await fetch(`${sandbox.url}/google/calendar/v3/users/me/calendarList`, { headers: bearer(tokens.access_token) })).status).toBe(200);
		expect(Date.now() - other).toBeLessThan(390);
	});

	it("fails Microsoft Graph with 5xx and 403 in Graph's error shape", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "faulty@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "calendarView.delta", status: 500, count: 1 });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "me", status: 503, retryAfter: 2, count: 1 });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "calendars.list", status: 403, count: 1 });
		const delta = await fetch(`${sandbox.url}/microsoft/graph/v1.0/me/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z`, { headers: bearer(access_token) });
		expect(delta.status).toBe(500);
		expect(await delta.json()).toMatchObject({ error: { code: "InternalServerError" } });
		const me = await fetch(`${sandbox.url}/microsoft/graph/v1.0/me`, { headers: bearer(access_token) });
		expect(me.status).toBe(503);
		expect(me.headers.get("retry-after")).toBe("2");
		expect(await me.json()).toMatchObject({ error: { code: "ServiceNotAvailable" } });
		const denied = await fetch(`${sandbox.url}/microsoft/graph/v1.0/me/calendars`, { headers: bearer(access_token) });
		expect(denied.status).toBe(403);
		expect(await denied.json()).toMatchObject({ error: { code: "ErrorAccessDenied" } });
		expect((await fetch(`${sandbox.url}/microsoft/graph/v1.0/me`, { headers: bearer(access_token) })).status).toBe(200);
	});

	it("fails Facebook with a transient 5xx and a 403 request-limit error", async () => {
		await postJson(`${sandbox.url}/_control/facebook/users`, { email: "fb@example.com" });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "facebook", endpoint: "access_token", status: 503, count: 1 });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "facebook", endpoint: "me", status: 403, retryAfter: 60, count: 1 });
		const outage = await fetch(`${sandbox.url}/facebook/v19.0/oauth/access_token?client_id=x`);
		expect(outage.status).toBe(503);
		expect(await outage.json()).toMatchObject({ error: { code: 2, is_transient: true, type: "OAuthException" } });
		const limited = await fetch(`${sandbox.url}/facebook/v19.0/me?access_token=x`);
		expect(limited.status).toBe(403);
		expect(limited.headers.get("retry-after")).toBe("60");
		expect(await limited.json()).toMatchObject({ error: { code: 4, message: "(#4) Application request limit reached" } });
		// The faults are spent: the next request reaches the real handler (an unknown token).
		expect(await (await fetch(`${sandbox.url}/facebook/v19.0/me?access_token=x`)).json()).toMatchObject({ error: { code: 190 } });
	});

	it("rejects a fault body that names nothing to apply", async () => {
		const res = await postJson(`${sandbox.url}/_control/faults`, { provider: "google" });
		expect(res.status).toBe(400);
	});
});

describe("control calendars", () => {
	it("creates a calendar for an owner and lists it with the owner's primary", async () => {
		const res = await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "olga@example.com", name: "Studio" });
		expect(res.status).toBe(201);
		const created = (await res.json()) as { id: string };
		const calendars = (await (await fetch(`${sandbox.url}/_control/google/calendars`)).json()) as Array<{ id: string; owner: string; name: string }>;
		expect(calendars).toEqual(
			expect.arrayContaining([
				{ id: "olga@example.com", owner: "olga@example.com", name: "olga@example.com" },
				{ id: created.id, owner: "olga@example.com", name: "Studio" },
			]),
		);
	});

	it("reset forgets calendars", async () => {
		await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "gone@example.com", name: "X" });
		await fetch(`${sandbox.url}/_control/reset`, { method: "POST" });
		const calendars = (await (await fetch(`${sandbox.url}/_control/google/calendars`)).json()) as unknown[];
		expect(calendars).toEqual([]);
	});
});
