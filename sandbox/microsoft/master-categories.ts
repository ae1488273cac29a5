// Outlook's master category list (GET/POST /me/outlook/masterCategories): what an event's `categories`
// names resolve to, and so its colour. New mailboxes start with Outlook's six default colour categories.
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import type { SandboxUser } from "../oauth/users";
import type { SandboxState } from "../state";
import { graphError } from "./errors";
import type { OutlookStore } from "./store";

export interface OutlookCategory {
	id: string;
	displayName: string;
	/** "none" or preset0 … preset24 (Graph categoryColor). */
	color: string;
}

const DEFAULTS: ReadonlyArray<readonly [string, string]> = [
	["Red category", "preset0"],
	["Orange category", "preset1"],
	["Yellow category", "preset3"],
	["Green category", "preset4"],
	["Blue category", "preset7"],
	["Purple category", "preset8"],
];

const COLOR = /^(?:none|preset(?:[0-9]|1[0-9]|2[0-4]))$/i;

/** Per store (a reset makes a new one, which forgets every list), per mailbox owner. */
const lists = new WeakMap<OutlookStore, Map<string, OutlookCategory[]>>();

/** Every mailbox's list of this store, by owner; persistence.ts saves and restores it, since it lives here and not on the store. */
export function masterCategoryLists(store: OutlookStore): Map<string, OutlookCategory[]> {
	let byOwner = lists.get(store);
	if (byOwner === undefined) {
		byOwner = new Map();
		lists.set(store, byOwner);
	}
	return byOwner;
}

export function masterCategories(store: OutlookStore, email: string): OutlookCategory[] {
	const byOwner = masterCategoryLists(store);
	let list = byOwner.get(email);
	if (list === undefined) {
		list = DEFAULTS.map(([displayName, color]) => ({ id: randomUUID(), displayName, color }));
		byOwner.set(email, list);
	}
	return list;
}

type GraphEnv = { Variables: { user: SandboxUser } };

/** Mounted inside the Graph app, behind its Bearer check (which sets `user`). */
export function masterCategoryRoutes(state: SandboxState, guard: (endpoint: string) => MiddlewareHandler): Hono<GraphEnv> {
	const app = new Hono<GraphEnv>();
	app.get("/me/outlook/masterCategories", guard("masterCategories.list"), (c: Context<GraphEnv>) =>
		c.json({ value: masterCategories(state.microsoft.store, c.get("user").email) }),
	);
	app.post("/me/outlook/masterCategories", guard("masterCategories.create"), async (c: Context<GraphEnv>) => {
		const body = (await c.req.json().catch(() => null)) as { displayName?: unknown; color?: unknown } | null;
		const displayName = typeof body?.displayName === "string" ? body.displayName.trim() : "";
		const color = typeof body?.color === "string" ? body.color : "none";
		if (displayName === "") throw graphError(400, "ErrorInvalidParameter", "displayName is required.");
		if (!COLOR.test(color)) throw graphError(400, "ErrorInvalidParameter", `'${color}' is not a valid categoryColor.`);
		const list = masterCategories(state.microsoft.store, c.get("user").email);
		// Names are unique in a mailbox, ignoring case, and cannot be changed later.
		if (list.some((existing) => existing.displayName.toLowerCase() === displayName.toLowerCase())) {
			throw graphError(409, "ErrorDuplicateCategory", `A category named '${displayName}' already exists.`);
		}
		const category = { id: randomUUID(), displayName, color: color.toLowerCase() };
		list.push(category);
		return c.json(category, 201);
	});
	return app;
}
