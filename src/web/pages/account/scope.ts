// Where an account page was opened from: a business's booking page (?merchant=, whose enabled sign-in
// methods it then offers) and where to go afterwards (?returnTo=, a path of ours only).
import type { Context } from "hono";
import { merchantBySlug } from "../../../db/queries/catalog";
import { NotFoundError } from "../../../errors";
import type { AppEnv } from "../../context";
import { safeReturnTo } from "../../auth/return-to";
import { signInMethods } from "../../catalogue-view";
import type { OfferedSignIn } from "../../api/schemas";

const HEX_COLOUR = /^#[0-9a-f]{6}$/i;
const EVERY_METHOD: OfferedSignIn = { google: true, facebook: true, password: true };

export interface PageScope {
	merchant: { slug: string; name: string; brandColor: string | null } | null;
	/** The customer sign-in methods to offer: the merchant's, or all of them. */
	methods: OfferedSignIn;
	/** Where to send the person when done: the asked-for path, the merchant's booking page, or `fallback`. */
	returnTo: string;
	/** The query string that keeps this scope on links between the account pages ("" when none). */
	query: string;
}

export async function pageScope(c: Context<AppEnv>, fallback: string): Promise<PageScope> {
	const slug = c.req.query("merchant");
	let merchant: PageScope["merchant"] = null;
	let methods = EVERY_METHOD;
	if (slug !== undefined && slug !== "" && slug.length <= 100) {
		try {
			const row = await merchantBySlug(c.var.db, slug);
			merchant = { slug: row.slug, name: row.name, brandColor: HEX_COLOUR.test(row.brandColor) ? row.brandColor : null };
			methods = signInMethods(row);
		} catch (error) {
			// An unknown business just means an unscoped page.
			if (!(error instanceof NotFoundError)) throw error;
		}
	}
	const asked = safeReturnTo(c.req.query("returnTo"), c.env.APP_URL);
	const returnTo = asked ?? (merchant === null ? fallback : `/b/${encodeURIComponent(merchant.slug)}`);
	const params = new URLSearchParams();
	if (merchant !== null) params.set("merchant", merchant.slug);
	if (asked !== null) params.set("returnTo", asked);
	const query = params.toString() === "" ? "" : `?${params.toString()}`;
	return { merchant, methods, returnTo, query };
}

/** `/auth/{provider}` with the return path, as the sign-in buttons link to it. */
export function providerStart(provider: "google" | "facebook", returnTo: string): string {
	return `/auth/${provider}?returnTo=${encodeURIComponent(returnTo)}`;
}
