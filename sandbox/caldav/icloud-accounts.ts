// iCloud accounts of the sandbox: Apple ID + app-specific password, a numeric DSID, a partition, and the Radicale user behind them.
import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { CaldavUpstream } from "./upstream";

export interface ICloudAccount {
	appleId: string;
	dsid: string;
	/** Partition host stand-in, e.g. "p42" for pNN-caldav.icloud.com. */
	partition: string;
	/** Radicale user (the DSID) and its internal password; clients never see them. */
	upstreamUser: string;
	upstreamPassword: string;
}

/** Slugs and names of the collections every new account gets. */
export const DEFAULT_COLLECTIONS = [
	{ slug: "home", displayName: "Home", components: ["VEVENT" as const] },
	{ slug: "tasks", displayName: "Reminders", components: ["VTODO" as const] },
];

function sameSecret(a: string, b: string): boolean {
	const left = Buffer.from(a, "utf8");
	const right = Buffer.from(b, "utf8");
	return left.length === right.length && timingSafeEqual(left, right);
}

export class ICloudAccounts {
	private byAppleId = new Map<string, { account: ICloudAccount; appPassword: string }>();

	/** Creates the account (Radicale user, "Home" and VTODO-only "Reminders") or replaces its app-specific password. */
	async upsert(appleIdInput: string, appPassword: string, upstream: CaldavUpstream): Promise<{ account: ICloudAccount; created: boolean }> {
		const appleId = appleIdInput.toLowerCase();
		const existing = this.byAppleId.get(appleId);
		if (existing !== undefined) {
			// A new app-specific password replaces the old one, which stops working (as after a revoke).
			existing.appPassword = appPassword;
			return { account: existing.account, created: false };
		}
		const dsid = String(randomInt(1_000_000_000, 9_999_999_999));
		const account: ICloudAccount = {
			appleId,
			dsid,
			partition: `p${randomInt(10, 100)}`,
			upstreamUser: dsid,
			upstreamPassword: randomBytes(18).toString("base64url"),
		};
		await upstream.addUser(account.upstreamUser, account.upstreamPassword);
		for (const c of DEFAULT_COLLECTIONS) await upstream.createCalendar(account.upstreamUser, account.upstreamPassword, c.slug, c.displayName, c.components);
		this.byAppleId.set(appleId, { account, appPassword });
		return { account, created: true };
	}

	list(): ICloudAccount[] {
		return [...this.byAppleId.values()].map((entry) => entry.account);
	}

	/** The account for a Basic Authorization header, or undefined for a missing/wrong Apple ID or password. */
	authenticate(authorization: string | undefined): ICloudAccount | undefined {
		const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? "")?.[1];
		if (encoded === undefined) return undefined;
		const decoded = Buffer.from(encoded, "base64").toString("utf8");
		const colon = decoded.indexOf(":");
		if (colon < 0) return undefined;
		const entry = this.byAppleId.get(decoded.slice(0, colon).toLowerCase());
		if (entry === undefined || !sameSecret(entry.appPassword, decoded.slice(colon + 1))) return undefined;
		return entry.account;
	}
}
