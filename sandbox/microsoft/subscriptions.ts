// Graph change-notification subscriptions: validation handshake, clientState, renewal, lifecycle events,
// batched notifications with retries, and the pause that follows an ignored reauthorizationRequired.
import type { FaultRegistry, RequestSubject } from "../faults";
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
	/** Sandbox-clock time a reauthorizationRequired went out unanswered; cleared by reauthorize or renewal. */
	reauthorizationRequiredAt?: number;
}

/**
 * How notifications travel. Graph retries a failed delivery for up to 4 hours (docs/providers.md B4); the sandbox
 * compresses that schedule so tests see the retries and the give-up in seconds. POST /_control/microsoft/config.
 */
export interface NotificationConfig {
	/** Changes of one subscription within this window go out as one POST with several `value` items. */
	batchWindowMs: number;
	/** Waits before each retry; after the last one the notification is dropped. */
	retryDelaysMs: number[];
	/** The receiver must answer 2xx within this (Graph: 3 s); a slower answer is a failure. */
	timeoutMs: number;
	/** Sandbox-clock seconds a reauthorizationRequired may go unanswered before delivery pauses (B5). */
	reauthorizationGraceSeconds: number;
}

export function defaultNotificationConfig(): NotificationConfig {
	return { batchWindowMs: 50, retryDelaysMs: [250, 500, 1000, 2000], timeoutMs: 3000, reauthorizationGraceSeconds: 600 };
}

/** What a subscription's notifications are about, for scoped drops and the delivery log. */
function aboutOf(subscription: Subscription): RequestSubject {
	return { account: subscription.ownerEmail, calendarId: subscription.calendarId, clientId: subscription.applicationId };
}

const MAX_MINUTES = 10_080;
const MIN_MINUTES = 45;
const VALIDATION_TIMEOUT_MS = 10_000;
const JSON_HEADERS = { "content-type": "application/json" };

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

async function requireValidEndpoint(url: string): Promise<void> {
	if (!(await validateEndpoint(url))) {
		throw graphError(400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.");
	}
}

/** The subscription as Graph returns it: no sandbox bookkeeping (calendar, owner email). */
export function subscriptionJson(subscription: Subscription): Record<string, unknown> {
	return {
		id: subscription.id,
		resource: subscription.resource,
		applicationId: subscription.applicationId,
		changeType: subscription.changeType,
		clientState: subscription.clientState ?? null,
		notificationUrl: subscription.notificationUrl,
		lifecycleNotificationUrl: subscription.lifecycleNotificationUrl ?? null,
		expirationDateTime: subscription.expirationDateTime,
		creatorId: subscription.ownerId,
		includeResourceData: null,
		latestSupportedTlsVersion: "v1_2",
		encryptionCertificate: null,
		encryptionCertificateId: null,
		notificationQueryOptions: null,
		notificationUrlAppId: null,
	};
}

interface Batch {
	items: Array<Record<string, unknown>>;
	url: string;
}

export class SubscriptionRegistry {
	config: NotificationConfig = defaultNotificationConfig();
	private subscriptions = new Map<string, Subscription>();
	private batches = new Map<string, Batch>();

	constructor(
		private readonly webhooks: () => WebhookDispatcher,
		private readonly faults: () => FaultRegistry,
		private readonly now: () => number,
	) {}

	list(): Subscription[] {
		return [...this.subscriptions.values()];
	}

	find(id: string): Subscription | undefined {
		return this.subscriptions.get(id);
	}

	get(id: string): Subscription {
		const found = this.subscriptions.get(id);
		if (found === undefined) throw graphError(404, "ResourceNotFound", `The object was not found: ${id}`);
		return found;
	}

	private expiration(requested: unknown): string {
		const ms = typeof requested === "string" ? Date.parse(requested) : Number.NaN;
		if (Number.isNaN(ms)) throw graphError(400, "ExtensionError", "expirationDateTime is required.");
		if (ms <= this.now()) throw graphError(400, "ExtensionError", "Subscription expiration date time must be in the future.");
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
		for (const url of [notificationUrl, lifecycleNotificationUrl]) if (typeof url === "string") await requireValidEndpoint(url);
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

	/**
	 * PATCH: renews (expirationDateTime) and may move the notification URL (validated again). The lifecycle URL
	 * can only be set at creation (docs/providers.md B5), so adding or changing it is a 400.
	 */
	async update(subscription: Subscription, body: Record<string, unknown>): Promise<Subscription> {
		if ("lifecycleNotificationUrl" in body && body.lifecycleNotificationUrl !== (subscription.lifecycleNotificationUrl ?? null)) {
			throw graphError(400, "ValidationError", "lifecycleNotificationUrl cannot be added or changed on an existing subscription; create a new subscription.");
		}
		const expirationDateTime = body.expirationDateTime === undefined ? undefined : this.expiration(body.expirationDateTime);
		const notificationUrl = body.notificationUrl;
		if (notificationUrl !== undefined) {
			if (typeof notificationUrl !== "string" || !URL.canParse(notificationUrl)) throw graphError(400, "InvalidRequest", "notificationUrl is invalid.");
			if (notificationUrl !== subscription.notificationUrl) await requireValidEndpoint(notificationUrl);
			subscription.notificationUrl = notificationUrl;
		}
		if (expirationDateTime !== undefined) {
			subscription.expirationDateTime = expirationDateTime;
			// Renewing is one of the two answers to reauthorizationRequired (B5).
			delete subscription.reauthorizationRequiredAt;
		}
		return subscription;
	}

	reauthorize(subscription: Subscription): void {
		delete subscription.reauthorizationRequiredAt;
	}

	delete(id: string): void {
		this.get(id);
		this.subscriptions.delete(id);
		this.batches.delete(id);
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
			this.enqueue(subscription, item);
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
		if (lifecycleEvent === "subscriptionRemoved") this.delete(id);
		if (lifecycleEvent === "reauthorizationRequired") subscription.reauthorizationRequiredAt ??= this.now();
		this.webhooks().send("microsoft", url, JSON_HEADERS, JSON.stringify({ value: [item] }), this.sendOptions(), aboutOf(subscription));
	}

	/** B5: once a reauthorizationRequired has gone unanswered past the grace period, changes are not delivered. */
	private paused(subscription: Subscription): boolean {
		const since = subscription.reauthorizationRequiredAt;
		return since !== undefined && this.now() - since >= this.config.reauthorizationGraceSeconds * 1000;
	}

	private enqueue(subscription: Subscription, item: Record<string, unknown>): void {
		const url = subscription.notificationUrl;
		const single = JSON.stringify({ value: [item] });
		const about = aboutOf(subscription);
		if (this.paused(subscription)) {
			this.webhooks().recordDropped("microsoft", url, JSON_HEADERS, single, "paused", about);
			return;
		}
		if (this.faults().shouldDropNotification("microsoft", about)) {
			this.webhooks().recordDropped("microsoft", url, JSON_HEADERS, single, "dropped", about);
			return;
		}
		const open = this.batches.get(subscription.id);
		if (open !== undefined && open.url === url) {
			open.items.push(item);
			return;
		}
		const batch: Batch = { items: [item], url };
		this.batches.set(subscription.id, batch);
		// The dispatcher of now: a reset replaces it, and a batch from before must not land in the new log.
		const webhooks = this.webhooks();
		const options = this.sendOptions();
		const window = new Promise<void>((resolve) => setTimeout(resolve, this.config.batchWindowMs)).then(() => {
			if (this.batches.get(subscription.id) === batch) this.batches.delete(subscription.id);
			webhooks.send("microsoft", batch.url, JSON_HEADERS, JSON.stringify({ value: batch.items }), options, about);
		});
		webhooks.track(window, about);
	}

	private sendOptions(): { retryDelaysMs: number[]; timeoutMs: number } {
		return { retryDelaysMs: this.config.retryDelaysMs, timeoutMs: this.config.timeoutMs };
	}
}
