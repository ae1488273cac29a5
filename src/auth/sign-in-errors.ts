// The codes a failed provider sign-in (or a confirmation link opened signed out) ends with
// (/signin?error=CODE), and what to tell the person.

export const SIGN_IN_ERROR_MESSAGES = {
	"google-denied": "You cancelled signing in with Google. Nothing was shared; choose another way to sign in or try again.",
	"facebook-denied": "You cancelled signing in with Facebook. Nothing was shared; choose another way to sign in or try again.",
	"google-invalid": "Signing in with Google did not complete. Please try again.",
	"facebook-invalid": "Signing in with Facebook did not complete. Please try again.",
	"google-expired": "The Google sign-in took too long or was opened in another browser. Please start again.",
	"facebook-expired": "The Facebook sign-in took too long or was opened in another browser. Please start again.",
	"email-missing": "Facebook did not share an email address with us. Enter your email address and we will send you a link to finish signing in.",
	"email-unverified": "Your provider has not verified this email address. Enter your email address and we will send you a link to confirm it.",
	"email-in-use":
		"An account already uses this email address. Sign in to it with your password or Google and link this login from your profile, or ask us to email you a confirmation link.",
	"identity-taken": "This login is already linked to another Slotline account. Sign in with it there, or unlink it from that account first.",
	"signin-required": "Sign in first to link another login to your account.",
	"confirm-signin-required":
		"To confirm this email address, sign in to its account here, then open the confirmation link again. Did you not create that account? Then someone else used your address: reset the password, and the account is yours alone.",
	"link-session-changed": "You signed in as someone else while linking. Please start linking again.",
	"invitation-invalid": "This invitation link is invalid, has expired or was already used. Ask the business to send you a new one.",
	"invitation-email-mismatch":
		"That Google account is not the address the invitation was sent to. Use the Google account of the invited address, or set a password on the invitation page.",
} as const;

export type SignInErrorCode = keyof typeof SIGN_IN_ERROR_MESSAGES;

export function signInErrorMessage(code: string): string | null {
	return Object.hasOwn(SIGN_IN_ERROR_MESSAGES, code) ? SIGN_IN_ERROR_MESSAGES[code as SignInErrorCode] : null;
}
