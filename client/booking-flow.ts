// The booking flow: service, staff (or anyone), date and time, details (or sign in), confirm, done.
// Each step replaces the last and moves focus to its heading so keyboard and screen reader users follow.
import { currentUser } from "./api";
import type { Booking, BookingCreated, OfferedSignIn, Place, Service, Slot, Staff } from "../src/web/api/schemas";
import { h, replace } from "./dom";
import { announceBooking, connectParent } from "./parent";
import { sessionStore } from "./session-store";
import { request } from "./shared/http";
import type { Failure } from "./shared/http";
import { slotPicker } from "./slot-picker";
import { googleCalendarUrl, icsPath } from "../src/booking/calendar-links";
import { joinLinkNote, linkFollows, placeLocation, placeText, withCustomerPhone } from "../src/place-view";
import { detectTimeZone, formatWhen, inTimeOrder } from "./time";

export interface BookConfig {
	page: "book";
	merchant: { slug: string; name: string; brandColor: string | null };
	services: Service[];
	staff: Staff[];
	signIn: OfferedSignIn;
	embedded: boolean;
	parentOrigin: string | null;
}

type Step = "service" | "staff" | "when" | "details" | "confirm" | "done";
const STEPS: Step[] = ["service", "staff", "when", "details", "confirm", "done"];

interface Details {
	name: string;
	email: string;
	phone: string;
	notes: string;
}

const RESUME_KEY = "slotline:resume";
/** The same state in the return address, for a sign-in that started in the widget's frame. */
const RESUME_PARAM = "resume";

/** The choice to come back to after signing in. */
interface Resume {
	serviceId: string;
	staffId: string | null;
	zone: string;
	slot: Slot;
}

/** The resume state from this page's address, which it then drops (a reload starts afresh). */
function resumeFromAddress(): string | null {
	const url = new URL(location.href);
	const value = url.searchParams.get(RESUME_PARAM);
	if (value === null) return null;
	url.searchParams.delete(RESUME_PARAM);
	history.replaceState(null, "", url.pathname + url.search + url.hash);
	return value;
}

export function startBooking(root: HTMLElement, config: BookConfig): void {
	connectParent(config.parentOrigin);
	const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
	const view = h("div", { class: "step" });
	replace(root, view, status);

	let step: Step = "service";
	let service: Service | null = null;
	let staffId: string | null = null;
	let zone = detectTimeZone();
	let slot: Slot | null = null;
	let details: Details = { name: "", email: "", phone: "", notes: "" };
	let booking: Booking | null = null;
	let problem: Failure | null = null;
	let busy = false;
	let signedInAs: string | null = null;
	/** The video meeting's link once the booking's own meeting route has it (never the public API's). */
	let joinUrl: string | null = null;
	// Where the chosen time waits during a sign-in on the hosted page. A framed page's sign-in tab shares
	// no storage with the frame, and a browser may refuse storage altogether: then it waits in the address.
	const store = config.embedded ? null : sessionStore();

	const staffName = (id: string): string => config.staff.find((s) => s.id === id)?.name ?? "";
	const staffOf = (s: Service): Staff[] => config.staff.filter((m) => s.staffIds.includes(m.id));
	// A staff member who works elsewhere (from home by phone, another branch) has a place of their own.
	const placeFor = (s: Service, staffId: string): Place => withCustomerPhone(config.staff.find((m) => m.id === staffId)?.place ?? s.place, details.phone);

	function go(next: Step, focus = true): void {
		step = next;
		problem = next === "confirm" ? problem : null;
		// What the last step announced ("5 times available…") says nothing about this one.
		status.textContent = "";
		render();
		if (focus) view.querySelector<HTMLElement>("h2")?.focus();
	}

	function heading(text: string): HTMLElement {
		const index = STEPS.indexOf(step) + 1;
		return h("header", {}, step === "done" ? null : h("p", { class: "progress" }, `Step ${index} of ${STEPS.length - 1}`), h("h2", { tabindex: "-1" }, text));
	}

	function back(to: Step): HTMLElement {
		return h("button", { type: "button", class: "ghost back", onclick: () => go(to) }, "‹ Back");
	}

	function price(s: Service): string {
		if (s.price === null) return "";
		return ` · ${new Intl.NumberFormat(undefined, { style: "currency", currency: s.price.currency }).format(s.price.amountCents / 100)}`;
	}

	function serviceStep(): HTMLElement[] {
		return [
			heading("Choose a service"),
			h(
				"ul",
				{ class: "choices" },
				...config.services.map((s) =>
					h(
						"li",
						{},
						h(
							"button",
							{ type: "button", class: "choice", "data-service": s.id, onclick: () => ((service = s), (staffId = null), go(staffOf(s).length > 1 ? "staff" : "when")) },
							h("strong", {}, s.name),
							h("span", {}, `${s.durationMinutes} min${price(s)}`),
							h("span", { class: "place" }, placeText(s.place)),
						),
					),
				),
			),
		];
	}

	function staffStep(current: Service): HTMLElement[] {
		const pick = (id: string | null) => (): void => {
			staffId = id;
			go("when");
		};
		return [
			back("service"),
			heading("Choose who you would like"),
			h(
				"ul",
				{ class: "choices" },
				h("li", {}, h("button", { type: "button", class: "choice", "data-staff": "anyone", onclick: pick(null) }, h("strong", {}, "Anyone available"), h("span", {}, "The first free person"))),
				...staffOf(current).map((m) => h("li", {}, h("button", { type: "button", class: "choice", "data-staff": m.id, onclick: pick(m.id) }, h("strong", {}, m.name)))),
			),
		];
	}

	function whenStep(current: Service): HTMLElement[] {
		return [
			back(staffOf(current).length > 1 ? "staff" : "service"),
			heading("Pick a date and time"),
			slotPicker({
				merchant: config.merchant.slug,
				serviceId: current.id,
				staffId,
				timezone: zone,
				status,
				onTimezone: (next) => (zone = next),
				onPick: (picked) => ((slot = picked), go("details")),
			}),
		];
	}

	function signInLinks(): HTMLElement | null {
		const hosted = `/b/${encodeURIComponent(config.merchant.slug)}`;
		const chosen: Resume | null = service === null || slot === null ? null : { serviceId: service.id, staffId, zone, slot };
		// A framed page has no first-party cookies, so sign-in happens in a new tab on the hosted page.
		// Without storage to keep it in, the chosen time travels in the return address.
		const returnTo = store === null && chosen !== null ? `${hosted}?${RESUME_PARAM}=${encodeURIComponent(JSON.stringify(chosen))}` : hosted;
		const query = `?returnTo=${encodeURIComponent(returnTo)}`;
		const links: HTMLElement[] = [];
		const target = config.embedded ? "_blank" : null;
		const remember = (): void => {
			if (chosen !== null) store?.setItem(RESUME_KEY, JSON.stringify(chosen));
		};
		if (config.signIn.google) links.push(h("a", { class: "button secondary", href: `/auth/google${query}`, target, rel: "noopener", onclick: remember }, "Continue with Google"));
		if (config.signIn.facebook) links.push(h("a", { class: "button secondary", href: `/auth/facebook${query}`, target, rel: "noopener", onclick: remember }, "Continue with Facebook"));
		// The hosted sign-in page offers only what this business allows (?merchant=), and comes back here.
		const emailSignIn = `/signin?merchant=${encodeURIComponent(config.merchant.slug)}&returnTo=${encodeURIComponent(returnTo)}`;
		if (config.signIn.password) links.push(h("a", { class: "button secondary", href: emailSignIn, target, rel: "noopener", onclick: remember }, "Sign in with email"));
		if (links.length === 0 || signedInAs !== null) return null;
		return h("div", { class: "signin" }, h("p", {}, "Sign in to fill in your details, or enter them below."), ...links);
	}

	function field(id: keyof Details, label: string, attrs: Record<string, string | boolean>, note: string | null = null): HTMLElement {
		const noteId = `slotline-${id}-note`;
		const input =
			id === "notes"
				? h("textarea", { id: `slotline-${id}`, name: id, rows: "3", maxlength: "2000" })
				: h("input", { id: `slotline-${id}`, name: id, ...attrs, "aria-describedby": note === null ? null : noteId });
		input.value = details[id];
		return h("p", { class: "field" }, h("label", { for: `slotline-${id}` }, label), input, note === null ? null : h("span", { class: "note", id: noteId }, note));
	}

	function detailsStep(): HTMLElement[] {
		// When the staff member calls the customer, the number is what the booking is for.
		const phoneNeeded = service !== null && slot !== null && placeFor(service, slot.staffId).kind === "phone_staff_calls";
		const form = h(
			"form",
			{
				class: "details",
				onsubmit: (event: Event) => {
					event.preventDefault();
					const data = new FormData(form);
					const text = (name: string): string => String(data.get(name) ?? "").trim();
					details = { name: text("name"), email: signedInAs ?? text("email"), phone: text("phone"), notes: text("notes") };
					go("confirm");
				},
			},
			field("name", "Name", { type: "text", autocomplete: "name", required: true, maxlength: "120" }),
			// Signed in, the booking goes to the account (and its confirmation to the account's address).
			signedInAs === null
				? field("email", "Email", { type: "email", autocomplete: "email", required: true, maxlength: "254" })
				: field("email", "Email", { type: "email", readonly: true, maxlength: "254" }, "Your account's address: the confirmation goes there."),
			phoneNeeded
				? field("phone", "Phone", { type: "tel", autocomplete: "tel", required: true, maxlength: "40" }, "We call you at this number.")
				: field("phone", "Phone (optional)", { type: "tel", autocomplete: "tel", maxlength: "40" }),
			field("notes", "Notes (optional)", {}),
			h("button", { type: "submit", class: "primary" }, "Continue"),
		);
		return [back("when"), heading("Your details"), signedInAs === null ? null : h("p", { class: "note" }, `Signed in as ${signedInAs}`), signInLinks(), form].filter((e): e is HTMLElement => e !== null);
	}

	function summary(current: Service, chosen: Slot): HTMLElement {
		return h(
			"dl",
			{ class: "summary" },
			h("dt", {}, "Service"),
			h("dd", {}, current.name),
			h("dt", {}, "With"),
			h("dd", {}, staffName(chosen.staffId) || "Anyone available"),
			h("dt", {}, "When"),
			h("dd", {}, `${formatWhen(chosen.start, zone)} (${zone.replaceAll("_", " ")})`),
			h("dt", {}, "Where"),
			h("dd", { class: "place" }, placeText(placeFor(current, chosen.staffId))),
		);
	}

	async function confirm(current: Service, chosen: Slot): Promise<void> {
		busy = true;
		render();
		status.textContent = "Booking…";
		const result = await request<BookingCreated>(
			"POST",
			`/api/v1/m/${encodeURIComponent(config.merchant.slug)}/bookings`,
			{
				serviceId: current.id,
				...(staffId === null ? {} : { staffId: chosen.staffId }),
				start: chosen.start,
				timezone: zone,
				customer: { name: details.name, email: details.email, ...(details.phone === "" ? {} : { phone: details.phone }) },
				...(details.notes === "" ? {} : { notes: details.notes }),
			},
			{ "idempotency-key": crypto.randomUUID() },
		);
		busy = false;
		if (result.ok) {
			booking = result.data.booking;
			announceBooking(booking);
			go("done");
			status.textContent = "Your booking is confirmed.";
			if (linkFollows(placeFor(current, booking.staffId).kind)) void awaitJoinUrl(booking);
			return;
		}
		problem = result;
		status.textContent = result.status === 409 ? "That time was just taken. Please choose another." : result.detail;
		render();
		view.querySelector<HTMLElement>(".alert")?.focus();
	}

	function problemView(): HTMLElement | null {
		if (problem === null) return null;
		if (problem.status === 409) {
			const alternatives = inTimeOrder(problem.alternatives);
			// In time order the chosen person's times no longer come first, so a colleague's say whose they are.
			const whose = (alt: Slot): string => (staffId === null || alt.staffId === staffId ? "" : ` with ${staffName(alt.staffId)}`);
			return h(
				"div",
				{ class: "alert", role: "alert", tabindex: "-1" },
				h("p", {}, h("strong", {}, "Sorry, someone just booked that time."), alternatives.length > 0 ? " These times are still free:" : " Please pick another time."),
				h(
					"div",
					{ class: "slots" },
					...alternatives.map((alt) =>
						h("button", { type: "button", class: "slot alternative", "data-start": alt.start, onclick: () => ((slot = alt), (problem = null), go("confirm")) }, `${formatWhen(alt.start, zone)}${whose(alt)}`),
					),
				),
				h("button", { type: "button", class: "ghost", onclick: () => go("when") }, "See all times"),
			);
		}
		const fields = problem.errors.map((e) => h("li", {}, `${e.field}: ${e.message}`));
		return h("div", { class: "alert", role: "alert", tabindex: "-1" }, h("p", {}, problem.detail), fields.length > 0 ? h("ul", {}, ...fields) : null);
	}

	function confirmStep(current: Service, chosen: Slot): HTMLElement[] {
		// Once someone else has the time, confirming it again can only fail: the alert offers others.
		const taken = problem?.status === 409;
		return [
			back("details"),
			heading("Confirm your booking"),
			problemView(),
			summary(current, chosen),
			h("dl", { class: "summary" }, h("dt", {}, "Name"), h("dd", {}, details.name), h("dt", {}, "Email"), h("dd", {}, details.email)),
			h("button", { type: "button", class: "primary", id: "slotline-confirm", disabled: busy || taken, "aria-busy": busy ? "true" : "false", onclick: () => void confirm(current, chosen) }, busy ? "Booking…" : "Confirm booking"),
		].filter((e): e is HTMLElement => e !== null);
	}

	/**
	 * Asks the booking's meeting route, which its manage token opens, every 2 s for about two minutes until the
	 * meeting's link exists (404s come first, until the booking reaches the read model), then shows it.
	 */
	async function awaitJoinUrl(made: Booking): Promise<void> {
		const manage = new URL(made.manageUrl);
		for (let attempt = 0; attempt < 60; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 2000));
			const answer = await request<{ joinUrl: string | null }>("GET", `${manage.pathname}/meeting${manage.search}`);
			if (answer.ok && answer.data.joinUrl !== null) {
				joinUrl = answer.data.joinUrl;
				// Only the note changes: wherever focus is on the screen stays.
				view.querySelector("#slotline-join-note")?.replaceWith(joinLink(joinUrl));
				status.textContent = "Your video meeting link is ready.";
				return;
			}
		}
	}

	function joinLink(url: string): HTMLElement {
		return h("p", { id: "slotline-join-note" }, h("a", { class: "button primary", id: "slotline-join", href: url, target: "_blank", rel: "noopener noreferrer" }, "Join the video meeting"));
	}

	function doneStep(current: Service, made: Booking): HTMLElement[] {
		const token = new URL(made.manageUrl).searchParams.get("token") ?? "";
		const ics = icsPath(made.id, token);
		const title = `${current.name} with ${staffName(made.staffId)} (${config.merchant.name})`;
		const google = googleCalendarUrl({ title, start: made.start, end: made.end, details: `Manage your booking: ${made.manageUrl}`, location: placeLocation({ ...placeFor(current, made.staffId), url: null }) });
		const joinNote = joinLinkNote(placeFor(current, made.staffId).kind);
		return [
			heading("You're booked!"),
			// A signed-in customer's booking is confirmed to the account's address, whatever the form said.
			h("p", { id: "slotline-confirmation-to" }, `We have emailed a confirmation to ${signedInAs ?? details.email}.`),
			summary(current, { start: made.start, end: made.end, staffId: made.staffId, localStart: made.localStart }),
			joinUrl !== null ? joinLink(joinUrl) : joinNote === null ? null : h("p", { id: "slotline-join-note" }, joinNote),
			h(
				"div",
				{ class: "actions" },
				h("a", { class: "button secondary", href: ics, download: "booking.ics" }, "Add to calendar (.ics)"),
				h("a", { class: "button secondary", href: google, target: "_blank", rel: "noopener" }, "Add to Google Calendar"),
				h("a", { class: "button secondary", href: made.manageUrl, target: config.embedded ? "_blank" : null, rel: "noopener", id: "slotline-manage" }, "Change or cancel"),
			),
		].filter((e): e is HTMLElement => e !== null);
	}

	function render(): void {
		let children: HTMLElement[];
		if (step === "service" || service === null) children = serviceStep();
		else if (step === "staff") children = staffStep(service);
		else if (step === "when" || slot === null) children = whenStep(service);
		else if (step === "details") children = detailsStep();
		else if (step === "confirm" || booking === null) children = confirmStep(service, slot);
		else children = doneStep(service, booking);
		replace(view, ...children);
		view.dataset["step"] = step;
	}

	/** Back from a sign-in on the hosted page: restore the chosen slot and fill in the account's details. */
	async function resume(): Promise<void> {
		const user = config.embedded ? null : await currentUser();
		if (user !== null) {
			signedInAs = user.email;
			details = { ...details, name: [user.firstName, user.lastName].filter(Boolean).join(" "), email: user.email };
		}
		const saved = resumeFromAddress() ?? store?.getItem(RESUME_KEY) ?? null;
		store?.removeItem(RESUME_KEY);
		if (saved === null) return;
		try {
			const state = JSON.parse(saved) as Resume;
			const found = config.services.find((s) => s.id === state.serviceId);
			// The address can be edited by anyone: only a well-formed choice of this page's services resumes.
			const wellFormed = typeof state.slot?.start === "string" && typeof state.slot.end === "string" && typeof state.slot.staffId === "string" && typeof state.zone === "string";
			if (found === undefined || !wellFormed || step !== "service") return;
			// Throws (and so starts over) on a zone this browser does not know.
			new Intl.DateTimeFormat(undefined, { timeZone: state.zone });
			service = found;
			staffId = state.staffId;
			zone = state.zone;
			slot = state.slot;
			go("details");
		} catch {
			// A damaged saved state just means starting over.
		}
	}

	render();
	void resume().then(() => (step === "details" ? render() : undefined));
}
