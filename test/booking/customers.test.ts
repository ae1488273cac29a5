// Whose details a booking may write to the merchant's customer record.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { at, bookingBody, postJson, upcoming } from "../support/demo";
import { mailTo } from "../support/mailbox";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

beforeEach(async () => {
	await seedDemo();
});

/** The merchant's customer record in D1, written when a booking reaches the read model. */
async function customer(email: string): Promise<{ name: string; phone: string | null } | null> {
	await flushSchedule();
	return env.DB.prepare("select name, phone from customers where email = ?").bind(email).first();
}

describe("customer records", () => {
	it("does not let a guest booking rewrite an existing customer's name or phone", { timeout: 60_000 }, async () => {
		// A fresh address per run: the sandbox mailbox outlives the test's database.
		const email = `alice-${crypto.randomUUID()}@example.com`;
		const alice = { name: "Alice Owner", email, phone: "+31 6 0000 0001" };
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: alice }))).status).toBe(201);
		const guest = await postJson(
			"/api/v1/m/demo/bookings",
			bookingBody({ start: at(upcoming(2), "14:00"), customer: { name: "Mallory", email: email.toUpperCase(), phone: "+31 6 6666 6666" } }),
		);
		expect(guest.status).toBe(201);
		expect(await customer(email)).toEqual({ name: "Alice Owner", phone: "+31 6 0000 0001" });

		// The booking keeps the name it was made with, and its email greets that name.
		const { booking } = await guest.json<{ booking: { id: string } }>();
		const row = await env.DB.prepare("select customer_name from bookings where id = ?").bind(booking.id).first<{ customer_name: string }>();
		expect(row?.customer_name).toBe("Mallory");
		const mails = await mailTo(email, 2);
		expect(mails.map((m) => m.text.split("\n")[0]).sort()).toEqual(["Hello Alice Owner,", "Hello Mallory,"]);
	});

	it("creates the record from the first booking's details", async () => {
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "New Person", email: "new@example.com", phone: "+1 555 0100" } }))).status).toBe(201);
		expect(await customer("new@example.com")).toEqual({ name: "New Person", phone: "+1 555 0100" });
	});
});
