// Creates a CalDAV calendar collection with an RFC 5689 extended MKCOL (workerd rejects the MKCALENDAR method).

export type CalendarComponent = "VEVENT" | "VTODO" | "VJOURNAL";

export interface NewCalendar {
	/** Absolute URL of the collection to create, ending in "/". */
	url: string;
	/** Value of the Authorization header (e.g. Basic). */
	authorization: string;
	displayName: string;
	/** Defaults to VEVENT only. */
	components?: CalendarComponent[];
}

function escapeXml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The extended MKCOL body: resourcetype calendar, displayname and supported-calendar-component-set. */
export function mkcolCalendarBody(displayName: string, components: CalendarComponent[] = ["VEVENT"]): string {
	const comps = components.map((name) => `<C:comp name="${name}"/>`).join("");
	return (
		`<?xml version="1.0" encoding="utf-8"?>` +
		`<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
		`<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>` +
		`<D:displayname>${escapeXml(displayName)}</D:displayname>` +
		`<C:supported-calendar-component-set>${comps}</C:supported-calendar-component-set>` +
		`</D:prop></D:set></D:mkcol>`
	);
}

export class CalendarCreateError extends Error {
	constructor(
		readonly status: number,
		readonly url: string,
	) {
		super(`extended MKCOL ${url} answered ${status}`);
	}
}

/** Sends the extended MKCOL; 201 is success, anything else throws CalendarCreateError. */
export async function createCalendarCollection(input: NewCalendar): Promise<void> {
	const response = await fetch(input.url, {
		method: "MKCOL",
		headers: { authorization: input.authorization, "content-type": "application/xml; charset=utf-8" },
		body: mkcolCalendarBody(input.displayName, input.components),
	});
	await response.arrayBuffer();
	if (response.status !== 201) throw new CalendarCreateError(response.status, input.url);
}

export function basicAuthorization(user: string, password: string): string {
	return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}
