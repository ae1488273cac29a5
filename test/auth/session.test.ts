import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import {
	SESSION_ABSOLUTE_MS,
	SESSION_IDLE_MS,
	SESSION_TOUCH_INTERVAL_MS,
	createSession,
	generateSessionToken,
	invalidateUserSessions,
	sessionIdFromToken,
	validateSessionToken,
} from "../../src/auth/session";
import { sessions, users } from "../../src/db/schema";
import { db, uniqueEmail } from "./harness";

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 5, 9, 0);
let userId: string;

beforeEach(async () => {
	userId = `usr_${crypto.randomUUID()}`;
	await db().insert(users).values({ id: userId, email: uniqueEmail() });
});

async function storedSession(id: string): Promise<typeof sessions.$inferSelect | undefined> {
	return db().select().from(sessions).where(eq(sessions.id, id)).get();
}

describe("sessions", () => {
	it("issue 160-bit tokens and store only their SHA-256", async () => {
		const { token, session } = await createSession(db(), userId, T0);
		// 20 random bytes in base32 are 32 characters.
		expect(token).toMatch(/^[a-z2-7]{32}$/);
		expect(session.id).toBe(sessionIdFromToken(token));
		expect(session.id).toMatch(/^[0-9a-f]{64}$/);
		expect(await storedSession(token)).toBeUndefined();
		expect(await storedSession(session.id)).toMatchObject({ userId, lastSeenAt: T0, expiresAt: T0 + SESSION_ABSOLUTE_MS });
	});

	it("resolve the user and reject unknown tokens", async () => {
		const { token } = await createSession(db(), userId, T0);
		const found = await validateSessionToken(db(), token, T0 + 1000);
		expect(found?.user.id).toBe(userId);
		expect(found?.user).not.toHaveProperty("passwordHash");
		expect(await validateSessionToken(db(), generateSessionToken(), T0)).toBeNull();
	});

	it("expire after the idle period and are deleted", async () => {
		const { token, session } = await createSession(db(), userId, T0);
		expect(await validateSessionToken(db(), token, T0 + SESSION_IDLE_MS - 1)).not.toBeNull();
		expect(await validateSessionToken(db(), token, T0 + SESSION_IDLE_MS - 1 + SESSION_IDLE_MS)).toBeNull();
		expect(await storedSession(session.id)).toBeUndefined();
	});

	it("extend the idle period on use, writing at most once per touch interval", async () => {
		const { token, session } = await createSession(db(), userId, T0);
		await validateSessionToken(db(), token, T0 + SESSION_TOUCH_INTERVAL_MS - 1);
		expect((await storedSession(session.id))?.lastSeenAt).toBe(T0);
		await validateSessionToken(db(), token, T0 + 6 * DAY);
		expect((await storedSession(session.id))?.lastSeenAt).toBe(T0 + 6 * DAY);
		// Beyond the first idle deadline, but within 7 days of the last use.
		expect(await validateSessionToken(db(), token, T0 + 12 * DAY)).not.toBeNull();
	});

	it("end at the absolute expiry however often they are used", async () => {
		const { token } = await createSession(db(), userId, T0);
		for (let day = 6; day < 30; day += 6) {
			expect(await validateSessionToken(db(), token, T0 + day * DAY)).not.toBeNull();
		}
		expect(await validateSessionToken(db(), token, T0 + SESSION_ABSOLUTE_MS)).toBeNull();
	});

	it("can all be ended for one user, optionally keeping the current one", async () => {
		const a = await createSession(db(), userId, T0);
		const b = await createSession(db(), userId, T0);
		const c = await createSession(db(), userId, T0);
		await invalidateUserSessions(db(), userId, c.session.id);
		expect(await validateSessionToken(db(), a.token, T0)).toBeNull();
		expect(await validateSessionToken(db(), b.token, T0)).toBeNull();
		expect(await validateSessionToken(db(), c.token, T0)).not.toBeNull();
		await invalidateUserSessions(db(), userId);
		expect(await validateSessionToken(db(), c.token, T0)).toBeNull();
	});
});
