// Refuses a place when it is saved, not when someone books it (issue 18 "Bad input"): Google Meet for a
// staff member without a Google calendar connection, Teams without a Microsoft one, Zoom without a Zoom
// host (their own, or the business's), a fixed link that is not https. A 422 names the field and the reason.
// Meet or Teams is refused too where the staff member's write calendar says it cannot host it (a Workspace
// that disallows Meet, a personal Microsoft account); not yet known (the calendar list not read since) is accepted.
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { activeServices, activeStaff } from "../db/queries/catalog";
import { connectionsOf } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { connectionCalendars } from "../db/schema";
import { meetingRefusal } from "../meetings/event-meetings";
import { zoomHostOf } from "../meetings/zoom-access";
import { UnprocessableError } from "../errors";
import type { FieldProblem } from "../errors";
import { bookedPlace, meetingCalendar, placeOf, placeProblems } from "../place";
import type { Place } from "../place";

const NEEDS = { google: ["Google Meet", "Google"], microsoft: ["Microsoft Teams", "Microsoft"] } as const;

function hostingProblem(place: Place, member: { id: string | null; name: string }, connections: ConnectionRow[], writeCalendars: Map<string, ConnectionCalendarRow>, field: string): FieldProblem | null {
	if (place.kind === "zoom") return zoomHostOf(connections, member.id) === null ? { field, message: `Zoom needs a Zoom connection for ${member.name} or the business: connect Zoom on the Integrations page first` } : null;
	const needed = meetingCalendar(place);
	if (needed === null) return null;
	const hosts = connections.filter((c) => c.staffId === member.id && member.id !== null && c.provider === needed && c.status !== "disconnected");
	const [meeting, calendar] = NEEDS[needed];
	if (hosts.length === 0) return { field, message: `${meeting} needs a ${calendar} calendar connection for ${member.name}: connect one on the Integrations page first` };
	const refusals = hosts.map((c) => meetingRefusal(c.provider, writeCalendars.get(c.id)?.onlineMeetings ?? null));
	// Refused only when every connection of that kind says so; one not read yet (null) is accepted.
	const refusal = refusals.every((r) => r !== null) ? (refusals[0] ?? null) : null;
	return refusal === null ? null : { field, message: `${meeting} cannot be used for ${member.name}: ${refusal}` };
}

/** The write calendar of each of these connections, whose calendar list says which meetings it can host. */
async function writeCalendarsOf(db: Database, connections: ConnectionRow[]): Promise<Map<string, ConnectionCalendarRow>> {
	if (connections.length === 0) return new Map();
	const rows = await db.select().from(connectionCalendars).where(and(inArray(connectionCalendars.connectionId, connections.map((c) => c.id)), eq(connectionCalendars.isWriteTarget, true))).all();
	return new Map(rows.map((row) => [row.connectionId, row]));
}

function refuseIfAny(problems: FieldProblem[]): void {
	const unique = [...new Map(problems.map((p) => [`${p.field} ${p.message}`, p])).values()];
	if (unique.length > 0) throw new UnprocessableError("place-not-possible", unique.map((p) => p.message).join(" "), unique);
}

/**
 * A service's place as it will be saved, hosted by `staffIds` (each in their own place when they have
 * one). `field` names what the request changed: the place ("body.place.kind") or who offers it ("body.staffIds").
 */
export async function assertServicePlace(db: Database, merchantId: string, place: Place, staffIds: string[], field: string): Promise<void> {
	const problems = placeProblems(place, "body.place");
	if (problems.length === 0) {
		const [members, connections] = await Promise.all([activeStaff(db, merchantId), connectionsOf(db, merchantId)]);
		const writeCalendars = await writeCalendarsOf(db, connections);
		for (const member of members.filter((m) => staffIds.includes(m.id))) {
			const problem = hostingProblem(bookedPlace(place, placeOf(member)), member, connections, writeCalendars, field);
			if (problem !== null) problems.push(problem);
		}
	}
	refuseIfAny(problems);
}

/**
 * A staff member's own place (null: each service's) as it will be saved, for the services they offer.
 * `member.id` is null for someone not created yet (who has no connection). `field` as above.
 */
export async function assertStaffPlace(db: Database, merchantId: string, member: { id: string | null; name: string }, place: Place | null, serviceIds: string[], field: string): Promise<void> {
	const problems = place === null ? [] : placeProblems(place, "body.place");
	if (problems.length === 0) {
		// All of the merchant's: the business's Zoom hosts a staff member without their own.
		const [offered, connections] = await Promise.all([activeServices(db, merchantId), connectionsOf(db, merchantId)]);
		const writeCalendars = await writeCalendarsOf(db, connections);
		const hosted = place === null ? offered.filter((s) => serviceIds.includes(s.id)).map((s) => placeOf(s) ?? { kind: "in_person_business" as const }) : [place];
		for (const each of hosted) {
			const problem = hostingProblem(bookedPlace(each, place), member, connections, writeCalendars, field);
			if (problem !== null) problems.push(problem);
		}
	}
	refuseIfAny(problems);
}
