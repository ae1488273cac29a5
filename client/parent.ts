// Messages to the page that embeds the widget (only when framed): the frame's height, so the loader can
// size it, and the booking once made. The token-bearing manage link never leaves the frame.
import type { Booking } from "../src/web/api/schemas";

let parentOrigin: string | null = null;

export function isFramed(): boolean {
	return window.parent !== window;
}

/** Starts reporting the document height to the embedding page at `origin` (from the loader). */
export function connectParent(origin: string | null): void {
	parentOrigin = origin;
	if (!isFramed()) return;
	let last = 0;
	const report = (): void => {
		const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
		if (height === last) return;
		last = height;
		post({ type: "slotline:height", height });
	};
	new ResizeObserver(report).observe(document.documentElement);
	report();
}

function post(message: Record<string, unknown>): void {
	if (!isFramed()) return;
	// Height is harmless anywhere; anything about a booking goes only to the origin that loaded us.
	const target = message["type"] === "slotline:height" ? (parentOrigin ?? "*") : parentOrigin;
	if (target === null) return;
	window.parent.postMessage({ source: "slotline", ...message }, target);
}

export function announceBooking(booking: Booking): void {
	post({
		type: "slotline:booking-created",
		booking: { id: booking.id, serviceId: booking.serviceId, staffId: booking.staffId, start: booking.start, end: booking.end, timezone: booking.timezone },
	});
}
