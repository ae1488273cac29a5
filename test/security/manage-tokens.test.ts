// Manage tokens cannot be guessed or borrowed: random, truncated, extended, case-flipped and another
// booking's tokens all get the same 404 as an unknown booking, on every route that takes one, and the
// booking stays as it was.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { api, at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const guard = guardLeaks();

interface Created {
	id: string;
	token: string;
}

async function book(time: string, email: string): Promise<Created> {
	const response = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), time), customer: { name: "Tess Token", email } }));
	expect(response.status).toBe(201);
	const { booking } = await response.json<{ booking: { id: string; manageUrl: string } }>();
	const token = new URL(booking.manageUrl).searchParams.get("token") ?? "";
	// Until D1's read model has it, every manage route answers 404 for the booking whatever the token: wait for it,
	// or the refusals below would prove nothing.
	await flushSchedule();
	return { id: booking.id, token };
}

function flipCase(token: string): string {
	return [...token].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join("");
}

function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Every way a manage token is presented, for one booking id and one token. */
function attempts(id: string, token: string): Array<{ label: string; request: () => Promise<Response> }> {
	const q = `token=${encodeURIComponent(token)}`;
	const day = upcoming(2);
	return [
		{ label: "GET booking", request: () => api(`/api/v1/bookings/${id}?${q}`) },
		{ label: "GET booking (bearer)", request: () => api(`/api/v1/bookings/${id}`, { headers: { authorization: `Bearer ${token}` } }) },
		{ label: "cancel", request: () => postJson(`/api/v1/bookings/${id}/cancel?${q}`, { scope: "series" }) },
		{ label: "reschedule", request: () => postJson(`/api/v1/bookings/${id}/reschedule?${q}`, { start: at(day, "15:00") }) },
		{ label: "calendar.ics", request: () => api(`/api/v1/bookings/${id}/calendar.ics?${q}`) },
		{ label: "manage page", request: () => api(`/manage/${id}?${q}`) },
	];
}

/** A problem body without `instance` (which names the requested path) or the HTML page with the id blanked. */
async function shape(response: Response, id: string): Promise<string> {
	const text = await response.text();
	if (response.headers.get("content-type")?.includes("problem+json") === true) {
		const { instance: _instance, ...rest } = JSON.parse(text) as Record<string, unknown>;
		return JSON.stringify(rest);
	}
	return text.replaceAll(id, "{id}");
}

let a: Created;
let b: Created;
beforeEach(async () => {
	await seedDemo();
	a = await book("10:00", "tess-a@example.com");
	b = await book("14:00", "tess-b@example.com");
});

describe("manage tokens", () => {
	it("refuse guessed and borrowed tokens with the answer an unknown booking gets, and change nothing", async () => {
		const guesses: Array<[string, string]> = [
			["random", randomToken()],
			["random", randomToken()],
			["truncated by one", a.token.slice(0, -1)],
			["half", a.token.slice(0, 22)],
			["extended", `${a.token}A`],
			// (`${token}=` is not in the list: base64url padding is ignored, so it is the same token, not a guess.)
			["case-flipped", flipCase(a.token)],
			["another booking's", b.token],
			["the booking id", a.id],
			["split by a space", `${a.token.slice(0, 20)} ${a.token.slice(20)}`],
		];
		const unknownId = "bkg_00000000000000000000000000";
		const reference = new Map<string, string>();
		for (const attempt of attempts(unknownId, a.token)) {
			const response = await guard.response(`unknown id: ${attempt.label}`, await attempt.request());
			expect({ label: attempt.label, status: response.status }).toEqual({ label: attempt.label, status: 404 });
			reference.set(attempt.label, await shape(response, unknownId));
		}
		for (const [kind, token] of guesses) {
			for (const attempt of attempts(a.id, token)) {
				const response = await guard.response(`${kind}: ${attempt.label}`, await attempt.request());
				const label = `${kind} token, ${attempt.label}`;
				expect({ label, status: response.status }).toEqual({ label, status: 404 });
				expect({ label, body: await shape(response, a.id) }).toEqual({ label, body: reference.get(attempt.label) });
			}
		}
		const row = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) =>
			state.storage.sql.exec("select status, starts_at, version from bookings where id = ?", a.id).one(),
		);
		expect(row).toEqual({ status: "confirmed", starts_at: Date.parse(at(upcoming(2), "10:00")), version: 1 });
	});

	it("refuse any random string, answering exactly as for an unknown booking (property)", { timeout: 60_000 }, async () => {
		const unknownId = "bkg_00000000000000000000000000";
		await fc.assert(
			fc.asyncProperty(fc.string({ minLength: 0, maxLength: 200, unit: "binary" }), async (token) => {
				fc.pre(token !== a.token);
				const known = await api(`/api/v1/bookings/${a.id}?token=${encodeURIComponent(token)}`);
				const unknown = await api(`/api/v1/bookings/${unknownId}?token=${encodeURIComponent(token)}`);
				// A token the query schema refuses (empty, over 128 characters) is a 400 before any lookup.
				const wellFormed = token.length >= 1 && token.length <= 128;
				expect(known.status).toBe(wellFormed ? 404 : 400);
				expect(await shape(known, a.id)).toBe(await shape(unknown, unknownId));
			}),
			{ numRuns: 40 },
		);
	});

	it("still work for their own booking (the refusals above are not a broken route)", async () => {
		const response = await guard.response("own token", await api(`/api/v1/bookings/${a.id}?token=${a.token}`));
		expect(response.status).toBe(200);
		const text = await response.text();
		expect(text).toContain(a.id);
		expect(text).not.toContain(b.id);
		expect(text).not.toContain("tess-b@example.com");
	});
});

expectNoLeaks(guard);
