// Refuses a place when it is saved, not when someone books it (issue 18 "Bad input"): Google Meet for a
// staff member without a Google calendar connection, Teams without a Microsoft one, Zoom (it cannot be
// connected yet), a fixed link that is not https. A 422 names the field and the reason.
// Teams on a personal Microsoft account is not checked yet: that needs the Graph adapter to report the
// account's allowed online meeting providers.
import type { Database } from "../db/client";
import { activeServices, activeStaff } from "../db/queries/catalog";
import { connectionsOf } from "../db/queries/connections";
import type { ConnectionRow } from "../db/queries/connections";
import { UnprocessableError } from "../errors";
import type { FieldProblem } from "../errors";
import { bookedPlace, meetingCalendar, placeOf, placeProblems } from "../place";
import type { Place } from "../place";

const NEEDS = { google: ["Google Meet", "Google"], microsoft: ["Microsoft Teams", "Microsoft"] } as const;

function hostingProblem(place: Place, member: { id: string | null; name: string }, connections: ConnectionRow[], field: string): FieldProblem | null {
	const needed = meetingCalendar(place);
	if (needed === null) return null;
	const connected = connections.some((c) => c.staffId === member.id && member.id !== null && c.provider === needed && c.status !== "disconnected");
	if (connected) return null;
	const [meeting, calendar] = NEEDS[needed];
	return { field, message: `${meeting} needs a ${calendar} calendar connection for ${member.name}: connect one on the Integrations page first` };
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
		for (const member of members.filter((m) => staffIds.includes(m.id))) {
			const problem = hostingProblem(bookedPlace(place, placeOf(member)), member, connections, field);
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
		const [offered, connections] = await Promise.all([activeServices(db, merchantId), member.id === null ? [] : connectionsOf(db, merchantId, member.id)]);
		const hosted = place === null ? offered.filter((s) => serviceIds.includes(s.id)).map((s) => placeOf(s) ?? { kind: "in_person_business" as const }) : [place];
		for (const each of hosted) {
			const problem = hostingProblem(bookedPlace(each, place), member, connections, field);
			if (problem !== null) problems.push(problem);
		}
	}
	refuseIfAny(problems);
}
