// Which connections (calendars, Zoom) need the merchant's attention, said the way the dashboard banner says it.
import { listStaff } from "../../../db/queries/admin-catalog";
import { connectionsOf } from "../../../db/queries/connections";
import type { Database } from "../../../db/client";
import type { MerchantMembership } from "../../../auth/membership";
import { providerName } from "./format";

export interface AttentionItem {
	connectionId: string;
	text: string;
	detail: string;
}

/** Connections in Error the viewer may manage (the owner all, staff their own), newest problem first. */
export async function connectionsNeedingAttention(db: Database, membership: MerchantMembership): Promise<AttentionItem[]> {
	const [rows, members] = await Promise.all([
		connectionsOf(db, membership.merchantId, membership.role === "owner" ? undefined : membership.staffId),
		listStaff(db, membership.merchantId),
	]);
	const names = new Map(members.map((m) => [m.id, m.name.split(" ")[0] ?? m.name]));
	return rows
		.filter((row) => row.status === "error")
		.sort((a, b) => b.updatedAt - a.updatedAt)
		.map((row) => {
			const whose = row.staffId === null ? "the business" : (names.get(row.staffId) ?? "a staff member");
			const calendar = `${providerName(row.provider)} ${row.provider === "zoom" ? "account" : "calendar"} of ${whose}`;
			const text =
				row.errorKind === "reauthorize"
					? `${calendar} needs re-authorization`
					: row.errorKind === "calendar-unavailable"
						? `${calendar} needs another calendar picked`
						: `${calendar} has bookings that could not be written`;
			return { connectionId: row.id, text, detail: row.statusMessage ?? "" };
		});
}
