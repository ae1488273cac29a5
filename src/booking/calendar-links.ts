// Add-to-calendar links for a booking: our .ics route (for the manage-token holder) and Google
// Calendar's "add event" template. Pure string building, shared by the server pages and the widget.

/** Path of the booking's .ics; the manage token is the only credential. */
export function icsPath(bookingId: string, token: string): string {
	return `/api/v1/bookings/${encodeURIComponent(bookingId)}/calendar.ics?token=${encodeURIComponent(token)}`;
}

/** Google Calendar's event template link; its dates are UTC in basic ISO format. */
export function googleCalendarUrl(event: { title: string; start: string; end: string; details: string; location: string | null }): string {
	const basic = (instant: string): string => new Date(instant).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
	const params = new URLSearchParams({ action: "TEMPLATE", text: event.title, dates: `${basic(event.start)}/${basic(event.end)}`, details: event.details });
	if (event.location !== null) params.set("location", event.location);
	return `https://calendar.google.com/calendar/render?${params.toString()}`;
}
