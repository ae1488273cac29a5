// Graph change-notification subscriptions: validation handshake, clientState, renewal, lifecycle events.
import type { FaultRegistry } from "../faults";
import type { WebhookDispatcher } from "../webhooks";
import { graphError } from "./errors";
import type { GraphChange, OutlookCalendar, StoredGraphEvent } from "./store";

export const SANDBOX_TENANT_ID = "5a4d1b0c-0000-4000-8000-00000000c0de";

export interface Subscription {
	id: string;
	resource: string;
	changeType: string;
	notificationUrl: string;
	lifecycleNotificationUrl?: string;
	clientState?: string;
	expirationDateTime: string;
	calendarId: string;
	ownerEmail: string;
	ownerId: string;
	applicationId: string;
}

const MAX_MINUTES = 10_080;
const MIN_MINUTES = 45;
const VALIDATION_TIMEOUT_MS = 10_000;

/** Graph POSTs ?validationToken=… and wants the decoded token back as text/plain within 10 s. */
async function validateEndpoint(url: string): Promise<boolean> {
	const token = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
	const target = new URL(url);
	target.searchParams.set("validationToken", token);
	try {
		const res = await fetch(target, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, body: "", signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS) });
		const body = await res.text();
		return res.status === 200 && (res.headers.get("content-type") ?? "").startsWith("text/plain") && body === token;
	} catch {
		return false;
	}
}

export class SubscriptionRegistry {
	private subscriptions = new Map<string, Subscription>();

	constructor(
		private readonly webhooks: () => WebhookDispatcher,
		private readonly faults: () => FaultRegistry,
		private readonly now: () => number,
	) {}

	list(): Subscription[] {
		return [...this.subscriptions.values()];
	}

	get(id: string): Subscription {
		const found = this.subscriptions.get(id);
		if (found === undefined) throw graphError(404, "ResourceNotFound", `The object was not found: ${id}`);
		return found;
	}

	private expiration(requested: unknown): string {
		const ms = typeof requested === "string" ? Date.parse(requested) : Number.NaN;
		if (Number.isNaN(ms)) throw graphError(400, "ExtensionError", "expirationDateTime is required.");
		const minutes = (ms - this.now()) / 60_000;
		if (minutes > MAX_MINUTES) throw graphError(400, "ExtensionError", `Subscription expiration can only be ${MAX_MINUTES} minutes in the future.`);
		// Requests under 45 minutes are raised to 45 minutes.
		return new Date(Math.max(ms, this.now() + MIN_MINUTES * 60_000)).toISOString();
	}

	async create(body: Record<string, unknown>, calendar: OutlookCalendar, ownerId: string, applicationId: string): Promise<Subscription> {
		const { notificationUrl, lifecycleNotificationUrl, clientState, changeType, resource } = body;
		if (typeof notificationUrl !== "string" || !URL.canParse(notificationUrl)) throw graphError(400, "InvalidRequest", "notificationUrl is invalid.");
		if (typeof changeType !== "string" || !changeType.split(",").every((t) => ["created", "updated", "deleted"].includes(t.trim()))) {
			throw graphError(400, "InvalidRequest", "changeType is invalid.");
		}
		if (clientState !== undefined && (typeof clientState !== "string" || clientState.length > 128)) throw graphError(400, "InvalidRequest", "clientState is too long.");
		if (lifecycleNotificationUrl !== undefined && (typeof lifecycleNotificationUrl !== "string" || !URL.canParse(lifecycleNotificationUrl))) {
			throw graphError(400, "InvalidRequest", "lifecycleNotificationUrl is invalid.");
		}
		const expirationDateTime = this.expiration(body.expirationDateTime);
		for (const url of [notificationUrl, lifecycleNotificationUrl]) {
			if (typeof url === "string" && !(await validateEndpoint(url))) {
				throw graphError(400, "ValidationError", `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.`);
			}
		}
		const subscription: Subscription = {
			id: crypto.randomUUID(),
			resource: String(resource),
			changeType,
			notificationUrl,
			expirationDateTime,
			calendarId: calendar.id,
			ownerEmail: calendar.owner,
			ownerId,
			applicationId,
		};
		if (typeof lifecycleNotificationUrl === "string") subscription.lifecycleNotificationUrl = lifecycleNotificationUrl;
		if (typeof clientState === "string") subscription.clientState = clientState;
		this.subscriptions.set(subscription.id, subscription);
		return subscription;
	}

	renew(id: string, expirationDateTime: unknown): Subscription {
		const subscription = this.get(id);
		subscription.expirationDateTime = this.expiration(expirationDateTime);
		return subscription;
	}

	delete(id: string): void {
		this.get(id);
		this.subscriptions.delete(id);
	}

	notify(calendar: OutlookCalendar, stored: StoredGraphEvent, change: GraphChange): void {
		for (const subscription of this.subscriptions.values()) {
			if (subscription.calendarId !== calendar.id) continue;
			if (Date.parse(subscription.expirationDateTime) <= this.now()) {
				this.subscriptions.delete(subscription.id);
				continue;
			}
			if (!subscription.changeType.split(",").map((t) => t.trim()).includes(change)) continue;
			const item: Record<string, unknown> = {
				subscriptionId: subscription.id,
				subscriptionExpirationDateTime: subscription.expirationDateTime,
				changeType: change,
				resource: `Users/${subscription.ownerId}/Events/${stored.event.id}`,
				tenantId: SANDBOX_TENANT_ID,
				resourceData: {
					"@odata.type": "#Microsoft.Graph.Event",
					"@odata.id": `Users/${subscription.ownerId}/Events/${stored.event.id}`,
					"@odata.etag": stored.event["@odata.etag"],
					id: stored.event.id,
				},
			};
			if (subscription.clientState !== undefined) item.clientState = subscription.clientState;
			this.post(subscription.notificationUrl, { value: [item] });
		}
	}

	/** Control hook: sends a lifecycle notification; subscriptionRemoved also deletes the subscription. */
	lifecycle(id: string, lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed"): void {
		const subscription = this.get(id);
		const url = subscription.lifecycleNotificationUrl;
		if (url === undefined) throw graphError(400, "InvalidRequest", "This subscription has no lifecycleNotificationUrl.");
		const item: Record<string, unknown> = {
			subscriptionId: subscription.id,
			subscriptionExpirationDateTime: subscription.expirationDateTime,
			tenantId: SANDBOX_TENANT_ID,
			lifecycleEvent,
		};
		if (subscription.clientState !== undefined) item.clientState = subscription.clientState;
		if (lifecycleEvent === "subscriptionRemoved") this.subscriptions.delete(id);
		this.webhooks().send("microsoft", url, { "content-type": "application/json" }, JSON.stringify({ value: [item] }));
	}

	private post(url: string, payload: unknown): void {
		const headers = { "content-type": "application/json" };
		const body = JSON.stringify(payload);
		if (this.faults().shouldDropNotification("microsoft")) {
			this.webhooks().recordDropped("microsoft", url, headers, body);
			return;
		}
		this.webhooks().send("microsoft", url, headers, body);
	}
}
