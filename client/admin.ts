// Entry of the admin bundle: reads the page's JSON config (data, not script, so the CSP needs no inline
// script) and starts that page's islands: forms, the calendar, sign-in and sign-out.
import { startCalendar } from "./admin/calendar";
import type { CalendarConfig } from "./admin/calendar";
import { startForms } from "./admin/forms";
import { request, useBusiness } from "./admin/http";
import { useCsrfToken } from "./shared/http";

interface PageConfig {
	page: string;
	csrfToken?: string;
	/** The business the page was rendered for (absent on the sign-in pages). */
	merchantId?: string;
	next?: string;
}

function startSignIn(config: PageConfig): void {
	const form = document.getElementById("signin-form") as HTMLFormElement | null;
	if (form === null) return;
	const error = form.querySelector<HTMLElement>(".form-error");
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const data = new FormData(form);
		void request<unknown>("POST", "/auth/signin", { email: String(data.get("email") ?? "").trim(), password: String(data.get("password") ?? "") }).then((answer) => {
			if (answer.ok) location.assign(config.next ?? "/admin");
			else if (error !== null) {
				error.textContent = answer.errors.length > 0 ? "Enter your email and password." : answer.detail;
				form.querySelector<HTMLInputElement>("input")?.focus();
			}
		});
	});
}

function paintSwatches(): void {
	for (const element of Array.from(document.querySelectorAll<HTMLElement>("[data-color]"))) {
		// Set through the CSSOM, which the CSP allows (a style attribute in the HTML it would not).
		element.style.setProperty("--item", element.dataset["color"] ?? "#888");
	}
}

function main(): void {
	const source = document.getElementById("slotline-admin");
	const config = JSON.parse(source?.textContent ?? "{}") as PageConfig;
	if (config.csrfToken !== undefined) useCsrfToken(config.csrfToken);
	useBusiness(config.merchantId ?? null);
	paintSwatches();
	startForms(document);
	document.querySelector("[data-signout]")?.addEventListener("click", () => {
		void request("POST", "/auth/signout").then(() => location.assign("/admin/signin"));
	});
	if (config.page === "signin") startSignIn(config);
	if (config.page === "calendar") startCalendar(config as unknown as CalendarConfig);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
