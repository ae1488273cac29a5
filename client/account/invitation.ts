// The invitation page: accept with a password (POST /auth/invitations/accept), then into the admin.
import { bindForm } from "./forms";
import { request } from "../shared/http";

export function startInvitation(config: { token: string | null }): void {
	bindForm(
		document.querySelector<HTMLFormElement>("#invitation-form"),
		(values) => {
			const optional = (name: string): string | undefined => (values[name] === "" || values[name] === undefined ? undefined : String(values[name]));
			return request("POST", "/auth/invitations/accept", { token: config.token ?? "", password: values["password"], firstName: optional("firstName"), lastName: optional("lastName") });
		},
		() => location.assign("/admin"),
	);
}
