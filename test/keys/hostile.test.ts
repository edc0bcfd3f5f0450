import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { BASE, countOf, errorCode, getBundle, getCount, prekeys, putKeys, randomKey, upload } from "./keys-client";

type Envelope = { error: { code: string; details?: { field?: string }[] } };

async function rejected(res: Response): Promise<{ status: number; code: string; fields: string[] }> {
  const body = await res.json<Envelope>();
  return { status: res.status, code: body.error.code, fields: (body.error.details ?? []).map((d) => d.field ?? "") };
}

describe("key directory: hostile input", () => {
  it("refuses wrong types, each bad field named, and stores nothing", async ({ expect }) => {
    const alice = await createUser();
    const good = upload("phone", prekeys(1, 2));
    const cases: [unknown, string][] = [
      [{ ...good, device_id: 42 }, "device_id"],
      [{ ...good, device_id: "" }, "device_id"],
      [{ ...good, device_id: "a/b" }, "device_id"],
      [{ ...good, device_id: "x".repeat(129) }, "device_id"],
      [{ ...good, identity_key: "not base64!" }, "identity_key"],
      [{ ...good, identity_key: "A".repeat(257) }, "identity_key"],
      [{ ...good, identity_key: null }, "identity_key"],
      [{ ...good, signed_prekey: { ...good.signed_prekey, key_id: -1 } }, "signed_prekey.key_id"],
      [{ ...good, signed_prekey: { ...good.signed_prekey, key_id: 1.5 } }, "signed_prekey.key_id"],
      [{ ...good, signed_prekey: { ...good.signed_prekey, key_id: 2 ** 31 } }, "signed_prekey.key_id"],
      [{ ...good, signed_prekey: { ...good.signed_prekey, signature: "B".repeat(300) } }, "signed_prekey.signature"],
      [{ ...good, signed_prekey: "key" }, "signed_prekey"],
      [{ ...good, one_time_prekeys: "many" }, "one_time_prekeys"],
      [{ ...good, one_time_prekeys: [{ key_id: "1", public_key: randomKey() }] }, "one_time_prekeys.0.key_id"],
      [
        {
          ...good,
          one_time_prekeys: [
            { key_id: 1, public_key: randomKey() },
            { key_id: 1, public_key: randomKey() },
          ],
        },
        "one_time_prekeys.1.key_id",
      ],
    ];
    for (const [body, field] of cases) {
      const res = await rejected(await putKeys(alice.headers, body));
      expect({ field, status: res.status, code: res.code }).toEqual({ field, status: 400, code: "VALIDATION_ERROR" });
      expect(res.fields).toContain(field);
    }
    expect((await getCount(alice.headers, "phone")).status).toBe(404);
  });

  it("refuses more than 200 one-time prekeys in one upload, and a huge array, without storing", async ({ expect }) => {
    const alice = await createUser();
    const tooMany = await rejected(await putKeys(alice.headers, upload("phone", prekeys(0, 201))));
    expect(tooMany).toMatchObject({ status: 400, code: "VALIDATION_ERROR", fields: ["one_time_prekeys"] });
    const manyButSmall = await rejected(await putKeys(alice.headers, upload("phone", prekeys(0, 5_000))));
    expect(manyButSmall).toMatchObject({ status: 400, code: "VALIDATION_ERROR", fields: ["one_time_prekeys"] });
    const overBodyLimit = await putKeys(alice.headers, upload("phone", prekeys(0, 20_000)));
    expect(overBodyLimit.status).toBe(413);
    expect(await errorCode(overBodyLimit)).toBe("PAYLOAD_TOO_LARGE");
    expect((await getCount(alice.headers, "phone")).status).toBe(404);
    expect((await putKeys(alice.headers, upload("phone", prekeys(0, 200)))).status).toBe(204);
  });

  it("caps what one device may hold (1000 unclaimed prekeys) with QUOTA_EXCEEDED", async ({ expect }) => {
    const alice = await createUser();
    const keys = upload("phone", prekeys(0, 200));
    for (let batch = 0; batch < 5; batch++) {
      expect((await putKeys(alice.headers, { ...keys, one_time_prekeys: prekeys(batch * 200, 200) })).status).toBe(204);
    }
    const over = await putKeys(alice.headers, { ...keys, one_time_prekeys: prekeys(1000, 1) });
    expect(over.status).toBe(413);
    expect(await errorCode(over)).toBe("QUOTA_EXCEEDED");
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 1000 });
  });

  it("answers malformed JSON with BAD_REQUEST", async ({ expect }) => {
    const alice = await createUser();
    const res = await putKeys(alice.headers, '{"device_id": "phone", ');
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("BAD_REQUEST");
  });

  it("requires a valid access token on every route", async ({ expect }) => {
    const alice = await createUser();
    const anonymous = { "Content-Type": "application/json" };
    const forged = { ...anonymous, Authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." };
    for (const headers of [anonymous, forged]) {
      for (const res of [await putKeys(headers, upload("phone", prekeys(1, 1))), await getCount(headers, "phone"), await getBundle(headers, alice.user.id)]) {
        expect(res.status).toBe(401);
        expect(await errorCode(res)).toBe("UNAUTHORIZED");
      }
    }
  });

  it("never shows another user's device count (404), nor lets a caller write another user's device", async ({ expect }) => {
    const alice = await createUser();
    const mallory = await createUser();
    expect((await putKeys(alice.headers, upload("phone", prekeys(1, 4)))).status).toBe(204);
    const peek = await getCount(mallory.headers, "phone");
    expect(peek.status).toBe(404);
    expect(await errorCode(peek)).toBe("NOT_FOUND");
    // A body naming alice changes nothing: keys always belong to the token's user.
    const hijack = { ...upload("phone", prekeys(1, 1)), user_id: alice.user.id };
    expect((await putKeys(mallory.headers, hijack)).status).toBe(204);
    expect(await countOf(alice.headers, "phone")).toMatchObject({ one_time_prekeys: 4 });
    expect(await countOf(mallory.headers, "phone")).toMatchObject({ one_time_prekeys: 1 });
  });

  it("rejects malformed user and device ids in the path and query", async ({ expect }) => {
    const bob = await createUser();
    const longId = await rejected(await getBundle(bob.headers, "u".repeat(65)));
    expect(longId).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    const badChars = await rejected(await exports.default.fetch(`${BASE}/v1/keys/${encodeURIComponent("x' or 1=1 --")}`, { headers: bob.headers }));
    expect(badChars).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    const missingDevice = await rejected(await exports.default.fetch(`${BASE}/v1/keys/count`, { headers: bob.headers }));
    expect(missingDevice).toMatchObject({ status: 400, code: "VALIDATION_ERROR", fields: ["device_id"] });
    expect((await getBundle(bob.headers, bob.user.id, "bad/device")).status).toBe(400);
  });

  it("limits bundle fetches per (requester, target) with 429 and Retry-After; others are unaffected", async ({ expect }) => {
    const alice = await createUser();
    const bob = await createUser();
    const carol = await createUser();
    expect((await putKeys(alice.headers, upload("phone", prekeys(1, 5)))).status).toBe(204);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // The binding allows 30 per fixed 60 s window; 61 in a row must cross it even across a window edge.
    for (let i = 0; i < 61 && retryAfter === null; i++) {
      const res = await getBundle(bob.headers, alice.user.id);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.body?.cancel();
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await getBundle(carol.headers, alice.user.id)).status).toBe(200);
  });
});
