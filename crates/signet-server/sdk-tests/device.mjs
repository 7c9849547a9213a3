// A device as the Signet app (or Authsignal's iOS/Android SDK) would be: one P-256 key,
// signing with ECDSA/SHA-256 in DER, talking docs/protocol.md section 3 with tenant Basic auth.
import { generateKeyPairSync, sign } from "node:crypto";

export class Device {
  constructor({ baseUrl, tenantId }) {
    this.baseUrl = baseUrl;
    this.tenantId = tenantId;
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    this.privateKey = privateKey;
    // PK: SPKI DER, standard base64 with padding.
    this.publicKey = publicKey.export({ type: "spki", format: "der" }).toString("base64");
    // Q(PK): the PK text base64-encoded again, percent-encoded.
    this.query = encodeURIComponent(Buffer.from(this.publicKey).toString("base64"));
    this.basic = "Basic " + Buffer.from(`${tenantId}:`).toString("base64");
  }

  sign(message) {
    return sign("sha256", Buffer.from(message, "utf8"), this.privateKey).toString("base64");
  }

  async call(method, path, { auth = this.basic, body, headers = {} } = {}) {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { Authorization: auth, "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    }
    return json;
  }

  // 3.1, with the track token of an add:authenticators action.
  async enroll(token) {
    const credential = await this.call("POST", "/client/user-authenticators/push", {
      auth: `Bearer ${token}`,
      body: { publicKey: this.publicKey, deviceName: "sdk test", devicePlatform: "linux" },
    });
    this.authenticatorId = credential.userAuthenticatorId;
    return credential;
  }

  // 3.4a + 3.4b: a nonce, then the pending challenge signed with it.
  async pendingChallenge() {
    const { message } = await this.call(
      "POST",
      `/client/user-authenticators/push/challenge/sign?publicKey=${this.query}`,
    );
    return this.call("GET", `/client/user-authenticators/push/challenge?publicKey=${this.query}`, {
      headers: { "X-Authsignal-Signature": this.sign(message) },
    });
  }

  // 3.5.
  async answer(challengeId, approved, extra = {}) {
    return this.call("POST", "/client/user-authenticators/push/challenge", {
      body: {
        challengeId,
        publicKey: this.publicKey,
        approved,
        signature: this.sign(challengeId),
        verificationCode: null,
        ...extra,
      },
    });
  }
}
