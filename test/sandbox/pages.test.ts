import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { postJson, startReceiver, startSandbox, googleSignIn, bearer } from "./helpers";
import type { Receiver } from "./helpers";

let sandbox: Sandbox;
let receiver: Receiver;
beforeAll(async () => {
	sandbox = await startSandbox();
	receiver = await startReceiver();
});
afterAll(async () => {
	await receiver.close();
	await sandbox.close();
});
beforeEach(async () => {
	await fetch(`${sandbox.url}/_control/reset`, { method: "POST" });
	receiver.received.length = 0;
});

describe("Google calendar page", () => {
	it("shows calendars and events, and adding/deleting from the page fires pushes", async () => {
		const tokens = await googleSignIn(sandbox, "page@example.com");
		await postJson(`${sandbox.url}/google/calendar/v3/calendars/primary/events/watch`, { id: "page-chan", type: "web_hook", address: receiver.url }, bearer(tokens.access_token));
		const add = await fetch(`${sandbox.url}/google/_page/add`, {
			method: "POST",
			body: new URLSearchParams({ calendarId: "page@example.com", summary: "Walk-in <b>", start: "2026-03-02T09:00", end: "2026-03-02T10:00", timeZone: "Europe/Lisbon" }),
			redirect: "manual",
		});
		expect(add.status).toBe(303);
		const page = await (await fetch(`${sandbox.url}/google/`)).text();
		expect(page).toContain("Walk-in &lt;b&gt;");
		expect(page).toContain("2026-03-02T09:00:00 Europe/Lisbon");

		const events = (await (await fetch(`${sandbox.url}/_control/google/calendars/page@example.com/events`)).json()) as Array<{ id: string }>;
		const remove = await fetch(`${sandbox.url}/google/_page/delete`, {
			method: "POST",
			body: new URLSearchParams({ calendarId: "page@example.com", eventId: events[0]?.id ?? "" }),
			redirect: "manual",
		});
		expect(remove.status).toBe(303);
		await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
		expect(receiver.received.map((r) => r.headers["x-goog-resource-state"])).toEqual(["sync", "exists", "not_exists"]);
		const after = await (await fetch(`${sandbox.url}/google/`)).text();
		expect(after).not.toContain("Walk-in");
	});
});
