// Sandbox user accounts of one provider, created through the control API or the consent page.
import { createHash } from "node:crypto";

export interface SandboxUser {
	/** Stable subject identifier derived from the email. */
	sub: string;
	email: string;
	name: string;
	givenName: string;
	familyName: string;
	picture: string;
	emailVerified: boolean;
	/** Facebook lets a person withhold the email; the profile then has no email field. */
	shareEmail: boolean;
}

export interface UserInput {
	email: string;
	name?: string;
	givenName?: string;
	familyName?: string;
	picture?: string;
	emailVerified?: boolean;
	shareEmail?: boolean;
}

function nameFromEmail(email: string): string {
	const local = email.split("@")[0] ?? email;
	return local
		.split(/[._-]+/)
		.filter((part) => part !== "")
		.map((part) => part.charAt(0).toUpperCase() + part.slice(1))
		.join(" ");
}

export class UserDirectory {
	private users = new Map<string, SandboxUser>();

	constructor(private readonly subPrefix: string) {}

	upsert(input: UserInput): SandboxUser {
		const email = input.email.toLowerCase();
		const existing = this.users.get(email);
		const name = input.name ?? existing?.name ?? nameFromEmail(email);
		const [first, ...rest] = name.split(" ");
		const digest = BigInt(`0x${createHash("sha256").update(`${this.subPrefix}:${email}`).digest("hex").slice(0, 15)}`);
		const user: SandboxUser = {
			sub: existing?.sub ?? `${this.subPrefix}${digest.toString().padStart(18, "0")}`,
			email,
			name,
			givenName: input.givenName ?? first ?? name,
			familyName: input.familyName ?? rest.join(" "),
			picture: input.picture ?? existing?.picture ?? `https://sandbox.invalid/avatar/${encodeURIComponent(email)}.png`,
			emailVerified: input.emailVerified ?? existing?.emailVerified ?? true,
			shareEmail: input.shareEmail ?? existing?.shareEmail ?? true,
		};
		this.users.set(email, user);
		return user;
	}

	get(email: string): SandboxUser | undefined {
		return this.users.get(email.toLowerCase());
	}

	bySub(sub: string): SandboxUser | undefined {
		return [...this.users.values()].find((u) => u.sub === sub);
	}

	list(): SandboxUser[] {
		return [...this.users.values()];
	}
}
