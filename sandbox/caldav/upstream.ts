// The CalDAV server the sandbox's iCloud layer fronts: a running Radicale (see ../radicale.ts) satisfies it.
import type { CalendarComponent } from "./mkcalendar";

export interface CaldavUpstream {
	/** Base URL without a trailing slash; a user's collections live under `${url}/${user}/`. */
	url: string;
	addUser(name: string, password: string): Promise<void>;
	createCalendar(user: string, password: string, slug: string, displayName: string, components?: CalendarComponent[]): Promise<string>;
}
