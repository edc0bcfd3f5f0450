import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { api, bytes, download, downloadUrlOf, uploadFile } from "./storage-client";

const setAvatar = (headers: Record<string, string>, avatar_file_id: string | null) =>
  api("/v1/users/me", { method: "PATCH", headers, body: JSON.stringify({ avatar_file_id }) });

describe("storage: avatars", () => {
  it("a user's current avatar downloads for anyone signed in, and stops once it is replaced or cleared", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const picture = await uploadFile(alice, { file_name: "me.png", content_type: "image/png", size_bytes: 64 });
    const other = await uploadFile(alice, { file_name: "holiday.png", content_type: "image/png", size_bytes: 65 });
    // Not an avatar yet: private.
    expect((await downloadUrlOf(bob, picture.id)).status).toBe(404);

    expect((await setAvatar(alice.headers, picture.id)).status).toBe(200);
    const { res } = await download(bob, picture.id);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(64));
    // Her other pictures stay hers.
    expect((await downloadUrlOf(bob, other.id)).status).toBe(404);
    // Signed-out callers get nothing.
    expect((await api(`/v1/storage/download-url/${picture.id}`)).status).toBe(401);

    expect((await setAvatar(alice.headers, other.id)).status).toBe(200);
    expect((await downloadUrlOf(bob, picture.id)).status).toBe(404);
    expect((await downloadUrlOf(bob, other.id)).status).toBe(200);
    expect((await setAvatar(alice.headers, null)).status).toBe(200);
    expect((await downloadUrlOf(bob, other.id)).status).toBe(404);
  });
});
