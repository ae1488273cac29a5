// The person a sign-in provider (Google, Facebook) vouches for, as every OAuth sign-in client returns it.

export interface ProviderProfile {
	/** The provider's stable id for the person ("sub"). */
	subject: string;
	/** Lower-cased; null when the provider does not share it. */
	email: string | null;
	/** Only a provider-verified address may be matched to an existing account. */
	emailVerified: boolean;
	givenName: string | null;
	familyName: string | null;
	picture: string | null;
}
