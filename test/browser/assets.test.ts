// The static client files as wrangler serves them: the loader and widget with their headers, the
// favicon, and the _headers rules file itself never served.
import { inject } from "vitest";
import { describe, expect, it } from "vitest";

const appUrl = inject("appUrl");

describe("static client assets", () => {
	it("serves the loader and the widget bundle as JavaScript with nosniff", async () => {
		for (const path of ["/embed.js", "/assets/widget.js"]) {
			const res = await fetch(`${appUrl}${path}`);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toContain("javascript");
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		}
		const css = await fetch(`${appUrl}/assets/widget.css`);
		expect(css.headers.get("content-type")).toContain("text/css");
	});

	it("serves /favicon.ico, which browsers ask for on every page", async () => {
		const res = await fetch(`${appUrl}/favicon.ico`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^image\//);
		// An ICO file: two reserved zero bytes, then type 1 (icon).
		expect([...new Uint8Array(await res.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]);
	});

	it("does not serve the _headers file", async () => {
		const res = await fetch(`${appUrl}/_headers`);
		expect(res.status).toBe(404);
		expect(await res.text()).not.toContain("X-Content-Type-Options");
	});
});
