// Teams meetings in the Graph stand-in (docs/integrations.md 2): isOnlineMeeting + teamsForBusiness gives
// onlineMeeting.joinUrl, calendars list the allowed providers, a personal (MSA) account is downgraded silently,
// and the meeting is frozen once made.
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, microsoftSignIn, sandboxPerFile } from "./helpers";

type GraphEvent = Record<string, unknown> & {
	id: string;
	isOnlineMeeting: boolean;
	onlineMeetingProvider: string;
	onlineMeeting: { joinUrl: string; conferenceId?: string } | null;
	onlineMeetingUrl: string | null;
};

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

const TEAMS = { isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" };
const slot = (hour: number): Record<string, unknown> => ({
	subject: `Intro at ${hour}`,
	start: { dateTime: `2026-09-01T${String(hour).padStart(2, "0")}:00:00`, timeZone: "UTC" },
	end: { dateTime: `2026-09-01T${String(hour).padStart(2, "0")}:30:00`, timeZone: "UTC" },
});

async function graph(token: string, method: string, path: string, body?: unknown): Promise<Response> {
	return fetch(`${sandbox.url}/microsoft/graph/v1.0${path}`, {
		method,
		headers: { ...bearer(token), "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
}

async function makePersonal(email: string): Promise<void> {
	const res = await fetch(`${sandbox.url}/_control/microsoft/users/${email}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ accountType: "personal" }) });
	expect(res.status).toBe(200);
}

describe("Teams meetings on a work account", () => {
	it("lists Teams among the calendar's providers", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const calendar = (await (await graph(access_token, "GET", "/me/calendar")).json()) as { id: string };
		expect(calendar).toMatchObject({ allowedOnlineMeetingProviders: ["teamsForBusiness"], defaultOnlineMeetingProvider: "teamsForBusiness" });
		const byId = await graph(access_token, "GET", `/me/calendars/${calendar.id}`);
		expect(await byId.json()).toMatchObject({ id: calendar.id, allowedOnlineMeetingProviders: ["teamsForBusiness"] });
	});

	it("creates a Teams meeting with a join URL; onlineMeetingUrl stays null", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const res = await graph(access_token, "POST", "/me/events", { ...slot(9), ...TEAMS });
		expect(res.status).toBe(201);
		const event = (await res.json()) as GraphEvent;
		expect(event).toMatchObject({ isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness", onlineMeetingUrl: null });
		expect(event.onlineMeeting?.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\/19%3ameeting_[\w-]+%40thread\.v2\/0\?context=/);
		const read = (await (await graph(access_token, "GET", `/me/events/${event.id}`)).json()) as GraphEvent;
		expect(read.onlineMeeting?.joinUrl).toBe(event.onlineMeeting?.joinUrl);
	});

	it("takes the calendar's default provider when only isOnlineMeeting is set, and leaves plain events offline", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const online = (await (await graph(access_token, "POST", "/me/events", { ...slot(9), isOnlineMeeting: true })).json()) as GraphEvent;
		expect(online.onlineMeetingProvider).toBe("teamsForBusiness");
		expect(online.onlineMeeting?.joinUrl).toBeDefined();
		const plain = (await (await graph(access_token, "POST", "/me/events", slot(10))).json()) as GraphEvent;
		expect(plain).toMatchObject({ isOnlineMeeting: false, onlineMeetingProvider: "unknown", onlineMeeting: null, onlineMeetingUrl: null });
	});

	it("keeps the join URL across a reschedule and ignores later changes to the online-meeting fields", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const event = (await (await graph(access_token, "POST", "/me/events", { ...slot(9), ...TEAMS })).json()) as GraphEvent;
		const moved = await graph(access_token, "PATCH", `/me/events/${event.id}`, { ...slot(11), isOnlineMeeting: false, onlineMeetingProvider: "skypeForConsumer", onlineMeeting: { joinUrl: "https://example.com/x" } });
		expect(moved.status).toBe(200);
		const after = (await moved.json()) as GraphEvent;
		expect(after).toMatchObject({ isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" });
		expect(after.onlineMeeting?.joinUrl).toBe(event.onlineMeeting?.joinUrl);
		expect((after.start as { dateTime: string }).dateTime).toMatch(/^2026-09-01T11:00:00/);
	});

	it("adds a meeting to an existing event with a PATCH", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const event = (await (await graph(access_token, "POST", "/me/events", slot(9))).json()) as GraphEvent;
		const patched = (await (await graph(access_token, "PATCH", `/me/events/${event.id}`, TEAMS)).json()) as GraphEvent;
		expect(patched.onlineMeeting?.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
	});

	it("does not make a second meeting for a replayed transactionId", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const body = { ...slot(9), ...TEAMS, transactionId: "booking-b1" };
		const first = (await (await graph(access_token, "POST", "/me/events", body)).json()) as GraphEvent;
		const again = (await (await graph(access_token, "POST", "/me/events", body)).json()) as GraphEvent;
		expect(again.id).toBe(first.id);
		expect(again.onlineMeeting?.joinUrl).toBe(first.onlineMeeting?.joinUrl);
	});

	it("refuses an unknown provider value", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const res = await graph(access_token, "POST", "/me/events", { ...slot(9), isOnlineMeeting: true, onlineMeetingProvider: "zoom" });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: { code: "BadRequest" } });
	});
});

describe("Teams on a personal (MSA) account", () => {
	it("lists no Teams provider and creates the event without a meeting (201, silently)", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "home@example.com");
		await makePersonal("home@example.com");
		const calendar = (await (await graph(access_token, "GET", "/me/calendar")).json()) as { allowedOnlineMeetingProviders: string[] };
		expect(calendar.allowedOnlineMeetingProviders).not.toContain("teamsForBusiness");
		const res = await graph(access_token, "POST", "/me/events", { ...slot(9), ...TEAMS });
		expect(res.status).toBe(201);
		const event = (await res.json()) as GraphEvent;
		expect(event).toMatchObject({ isOnlineMeeting: false, onlineMeetingProvider: "unknown", onlineMeeting: null });
		const patched = (await (await graph(access_token, "PATCH", `/me/events/${event.id}`, TEAMS)).json()) as GraphEvent;
		expect(patched.onlineMeeting).toBeNull();
		const skype = (await (await graph(access_token, "POST", "/me/events", { ...slot(10), isOnlineMeeting: true, onlineMeetingProvider: "skypeForConsumer" })).json()) as GraphEvent;
		expect(skype).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });
	});

	it("leaves other accounts with Teams", async () => {
		await microsoftSignIn(sandbox, "home@example.com");
		await makePersonal("home@example.com");
		const { access_token } = await microsoftSignIn(sandbox, "work@example.com");
		const event = (await (await graph(access_token, "POST", "/me/events", { ...slot(9), ...TEAMS })).json()) as GraphEvent;
		expect(event.onlineMeeting?.joinUrl).toBeDefined();
	});

	it("answers 404 for an account the sandbox does not know", async () => {
		const res = await fetch(`${sandbox.url}/_control/microsoft/users/nobody@example.com`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ accountType: "personal" }) });
		expect(res.status).toBe(404);
	});
});
