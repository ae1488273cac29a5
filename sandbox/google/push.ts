// Google watch channels: events.watch, channels.stop and empty-body push notifications with X-Goog-* headers.
import type { FaultRegistry } from "../faults";
import { base32hexId } from "../ids";
import type { WebhookDispatcher } from "../webhooks";
import { googleError } from "./errors";
import type { ChangeKind } from "./store";

export interface Channel {
	id: string;
	resourceId: string;
	resourceUri: string;
	token?: string;
	address: string;
	/** Epoch ms, or null for a channel that never expires. */
	expiration: number | null;
	calendarId: string;
	ownerEmail: string;
	/** The OAuth client that opened the channel, for pushes dropped by a scoped fault. */
	clientId: string;
	messageNumber: number;
}

export interface WatchRequest {
	id?: unknown;
	type?: unknown;
	address?: unknown;
	token?: unknown;
	expiration?: unknown;
	params?: { ttl?: unknown };
}

const DEFAULT_TTL_SECONDS = 604_800;

export class ChannelRegistry {
	private channels = new Map<string, Channel>();

	constructor(
		private readonly webhooks: () => WebhookDispatcher,
		private readonly faults: () => FaultRegistry,
		private readonly now: () => number,
	) {}

	list(): Channel[] {
		return [...this.channels.values()];
	}

	get(id: string): Channel | undefined {
		return this.channels.get(id);
	}

	watch(request: WatchRequest, calendarId: string, ownerEmail: string, clientId: string, resourceUri: string): Channel {
		const { id, type, address, token } = request;
		if (typeof id !== "string" || id === "" || id.length > 64) throw googleError(400, "invalid", "Invalid channel id.", { location: "id" });
		if (type !== "web_hook" && type !== "webhook") throw googleError(400, "invalid", "Invalid channel type.", { location: "type" });
		if (typeof address !== "string" || !URL.canParse(address)) throw googleError(400, "invalid", "Invalid address.", { location: "address" });
		if (token !== undefined && (typeof token !== "string" || token.length > 256)) throw googleError(400, "invalid", "Invalid token.", { location: "token" });
		if (this.channels.has(id)) throw googleError(400, "channelIdNotUnique", "Channel id not unique.");
		const ttl = Number(request.params?.ttl ?? DEFAULT_TTL_SECONDS);
		let expiration = this.now() + (Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_TTL_SECONDS) * 1000;
		if (request.expiration !== undefined) expiration = Math.min(expiration, Number(request.expiration));
		const channel: Channel = {
			id,
			resourceId: base32hexId(27),
			resourceUri,
			address,
			expiration,
			calendarId,
			ownerEmail,
			clientId,
			messageNumber: 0,
		};
		if (typeof token === "string") channel.token = token;
		this.channels.set(id, channel);
		this.deliver(channel, "sync");
		return channel;
	}

	stop(id: unknown, resourceId: unknown): void {
		const channel = typeof id === "string" ? this.channels.get(id) : undefined;
		if (channel === undefined || channel.resourceId !== resourceId) throw googleError(404, "notFound", `Channel '${String(id)}' not found for project`);
		this.channels.delete(channel.id);
	}

	/** Called by the store on every write. */
	notify(calendarId: string, kind: ChangeKind): void {
		for (const channel of this.channels.values()) {
			if (channel.calendarId !== calendarId) continue;
			// Expiry sweep: an expired channel is removed instead of delivering.
			if (channel.expiration !== null && channel.expiration <= this.now()) {
				this.channels.delete(channel.id);
				continue;
			}
			this.deliver(channel, kind);
		}
	}

	private deliver(channel: Channel, state: "sync" | ChangeKind): void {
		// "sync" is always message 1; later numbers increase but skip values, as Google's do.
		channel.messageNumber = state === "sync" ? 1 : channel.messageNumber + 1 + (channel.messageNumber % 3);
		const headers: Record<string, string> = {
			"x-goog-channel-id": channel.id,
			"x-goog-message-number": String(channel.messageNumber),
			"x-goog-resource-id": channel.resourceId,
			"x-goog-resource-state": state,
			"x-goog-resource-uri": channel.resourceUri,
		};
		if (channel.token !== undefined) headers["x-goog-channel-token"] = channel.token;
		if (channel.expiration !== null) headers["x-goog-channel-expiration"] = new Date(channel.expiration).toUTCString();
		// The sync message is never dropped so a channel's creation is always observable.
		const about = { account: channel.ownerEmail, calendarId: channel.calendarId, clientId: channel.clientId };
		if (state !== "sync" && this.faults().shouldDropNotification("google", about)) {
			this.webhooks().recordDropped("google", channel.address, headers, "", "dropped", about);
			return;
		}
		this.webhooks().send("google", channel.address, headers, "", {}, about);
	}
}
