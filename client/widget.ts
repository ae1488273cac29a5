// Entry of the widget bundle on our own pages (hosted booking page, its embeddable frame, manage page):
// reads the page's JSON config (data, not script, so the CSP needs no inline script) and starts the flow.
import { startBooking } from "./booking-flow";
import type { BookConfig } from "./booking-flow";
import { startManage } from "./manage";
import type { ManageConfig } from "./manage";

function main(): void {
	const root = document.getElementById("slotline-app");
	const source = document.getElementById("slotline-config");
	if (root === null || source === null) return;
	const config = JSON.parse(source.textContent ?? "{}") as BookConfig | ManageConfig;
	// Set through the CSSOM, which the CSP allows (a style attribute in the HTML it would not).
	const brand = config.merchant.brandColor;
	if (brand !== null) document.documentElement.style.setProperty("--brand", brand);
	if (config.page === "book") startBooking(root, config);
	else if (config.page === "manage") startManage(root, config);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
