// Manage tokens under more than one secret: the imported key is remembered per isolate, and a token
// must still be the HMAC of the secret it was asked with (rotation, tests with their own secrets).
import { describe, expect, it } from "vitest";
import { manageToken, verifyManageToken } from "./manage-token";

const A = "a".repeat(43);
const B = "b".repeat(43);

async function hmac(secret: string, bookingId: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`slotline:manage:v1:${bookingId}`)));
	return btoa(String.fromCharCode(...signature)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

describe("manage tokens", () => {
	it("are the HMAC of the secret they are asked with, whichever secret was used before", async () => {
		for (const secret of [A, B, A, A, B]) {
			expect(await manageToken(secret, "bkg_1")).toBe(await hmac(secret, "bkg_1"));
		}
	});

	it("verify under their own secret only", async () => {
		const underA = await manageToken(A, "bkg_2");
		const underB = await manageToken(B, "bkg_2");
		expect(await verifyManageToken(A, "bkg_2", underA)).toBe(true);
		expect(await verifyManageToken(B, "bkg_2", underA)).toBe(false);
		expect(await verifyManageToken(B, "bkg_2", underB)).toBe(true);
		expect(await verifyManageToken(A, "bkg_3", underA)).toBe(false);
	});
});
