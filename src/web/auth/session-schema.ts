// What /auth/session (and every sign-in step that answers with the session) sends the browser, as the one
// schema both sides read: the server types its answer with it and the browser imports the inferred type.
import { z } from "zod";

export const MembershipViewSchema = z.object({
	merchantId: z.string(),
	role: z.enum(["owner", "staff"]),
	/** The staff member this user is, if any (owners may also take bookings). */
	staffId: z.string().nullable(),
});

export const UserViewSchema = z.object({
	id: z.string(),
	email: z.string(),
	emailVerified: z.boolean(),
	firstName: z.string().nullable(),
	lastName: z.string().nullable(),
	photoUrl: z.string().nullable(),
	memberships: z.array(MembershipViewSchema),
});

export const SessionViewSchema = z.object({
	user: UserViewSchema.nullable(),
	/** Send back as `x-csrf-token` (or form field `_csrf`) on every state-changing request. */
	csrfToken: z.string().nullable(),
});

export type UserView = z.infer<typeof UserViewSchema>;
export type SessionView = z.infer<typeof SessionViewSchema>;
