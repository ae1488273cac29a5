// GET /admin/instant?local=YYYY-MM-DDTHH:MM: the UTC instant of a wall-clock time in the merchant's
// zone, so the islands never do zone arithmetic (Temporal does it here, DST included).
import type { Context } from "hono";
import { Temporal } from "temporal-polyfill";
import { z } from "zod";
import { merchantById } from "../../../db/queries/catalog";
import { ValidationError } from "../../../errors";
import { utcIso } from "../../../time";
import type { AppEnv } from "../../context";
import { validationHook } from "../../validation";

const localQuery = z.object({ local: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Must be a local date-time as YYYY-MM-DDTHH:MM") });

export async function localInstant(c: Context<AppEnv>): Promise<Response> {
	const parsed = localQuery.safeParse(c.req.query());
	if (!parsed.success) validationHook({ target: "query", success: false, error: parsed.error });
	const membership = c.var.membership;
	if (membership === undefined || parsed.data === undefined) throw new Error("instant route without the page gate");
	const merchant = await merchantById(c.var.db, membership.merchantId);
	let local: Temporal.PlainDateTime;
	try {
		local = Temporal.PlainDateTime.from(parsed.data.local, { overflow: "reject" });
	} catch {
		throw new ValidationError([{ field: "query.local", message: "Not a real date and time" }]);
	}
	// A time skipped by DST moves forward; one that occurs twice takes the earlier ("compatible").
	const instant = local.toZonedDateTime(merchant.timezone).epochMilliseconds;
	return c.json({ instant: utcIso(instant), timezone: merchant.timezone });
}
