// The whole in-memory sandbox: shared services plus one state object per provider, replaceable on reset.
import type { Clock } from "./clock";
import { createClock } from "./clock";
import { ICloudAccounts } from "./caldav/icloud-accounts";
import { PublishedFeeds } from "./caldav/published-feeds";
import type { CaldavUpstream } from "./caldav/upstream";
import { FaultRegistry } from "./faults";
import type { FacebookState } from "./facebook";
import { createFacebookState } from "./facebook";
import type { GoogleState } from "./google/state";
import { createGoogleState } from "./google/state";
import { Mailbox } from "./mailbox";
import type { MicrosoftState } from "./microsoft/state";
import { createMicrosoftState } from "./microsoft/state";
import type { SigningKeys } from "./oauth/keys";
import { createSigningKeys } from "./oauth/keys";
import { WebhookDispatcher } from "./webhooks";
import type { ZoomState } from "./zoom/state";
import { createZoomState } from "./zoom/state";

export interface SandboxState {
	publicUrl: string;
	/** Base URL of the iCloud partition host (a second origin, docs/providers.md C5). */
	partitionUrl: string;
	clock: Clock;
	keys: SigningKeys;
	faults: FaultRegistry;
	mailbox: Mailbox;
	webhooks: WebhookDispatcher;
	google: GoogleState;
	microsoft: MicrosoftState;
	facebook: FacebookState;
	zoom: ZoomState;
	/** iCloud stand-in accounts (their data lives in the CalDAV upstream). */
	icloud: ICloudAccounts;
	/** Calendars published as ICS feeds (served from the CalDAV upstream). */
	feeds: PublishedFeeds;
	/** The Radicale the iCloud layer fronts; undefined when the sandbox runs without one. */
	caldav: CaldavUpstream | undefined;
}

function providerStates(state: SandboxState): Pick<SandboxState, "google" | "microsoft" | "facebook" | "zoom" | "icloud" | "feeds"> {
	const deps = { clock: state.clock, webhooks: () => state.webhooks, faults: () => state.faults };
	return {
		google: createGoogleState(deps),
		microsoft: createMicrosoftState(deps),
		facebook: createFacebookState(deps),
		zoom: createZoomState(deps),
		icloud: new ICloudAccounts(),
		feeds: new PublishedFeeds(),
	};
}

export async function createState(publicUrl: string, caldav?: CaldavUpstream, partitionUrl = ""): Promise<SandboxState> {
	const state = {
		publicUrl,
		partitionUrl,
		caldav,
		clock: createClock(),
		keys: await createSigningKeys(),
		faults: new FaultRegistry(),
		mailbox: new Mailbox(),
		webhooks: new WebhookDispatcher(),
	} as SandboxState;
	Object.assign(state, providerStates(state));
	return state;
}

/** Forgets all data (users, grants, calendars, iCloud accounts, published feeds, faults, mail); keys, clock, public URL and CalDAV upstream survive. */
export function resetState(state: SandboxState): void {
	state.faults = new FaultRegistry();
	state.mailbox = new Mailbox();
	state.webhooks = new WebhookDispatcher();
	Object.assign(state, providerStates(state));
}
