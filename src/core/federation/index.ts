export type { SigningAlgorithm, SigningKey, SigningKeySet } from './keys';
export { generateSigningKey, jwkThumbprint, MAX_KEYS, parseSigningKeys, PRIVATE_JWK_MEMBERS, privateMembersOf, publicJwks, publicMembers, rotateKeySet, serializeKeySet, SIGNING_ALGORITHMS, signingKeyFromJwk } from './keys';
export type { MintClaims, MintedToken } from './self';
export { buildDiscoveryDocument, buildPublicDocuments, DEFAULT_AUDIENCE, DEFAULT_JWKS_FILE, DEFAULT_TOKEN_LIFETIME_SECONDS, defaultJwksUri, discoveryUrl, issuerBase, mintToken, relativeToIssuer, WELL_KNOWN_PATH } from './self';
export type { IdentityTokenIssuer, IssuerContext, OidcDiscovery } from './issuer';
export {
  createIssuer,
  expandEnvironment,
  FileTokenIssuer,
  ISSUER_CLIENT_SECRET,
  ISSUER_CLIENT_SECRET_ENV,
  issuerClientSecretName,
  loadSigningKeys,
  OidcTokenIssuer,
  SelfTokenIssuer,
  SIGNING_KEY_SECRET,
  signingKeySecretName,
} from './issuer';
export type { TokenClaims } from './jwt';
export { decodeTokenClaims, describeClaims } from './jwt';
export type { ExchangeResult, RetryBounds, SdkRequestStats } from './azure';
export { DEFAULT_AZURE_SCOPE, DEFAULT_RETRY_BOUNDS, FederationCredential, FederationTokenCache } from './azure';
export type { AzureCliTokenCredentialOptions, LiveCredentialChoice } from './azure-cli';
export { AzureCliTokenCredential, DEFAULT_LIVE_CREDENTIAL, explainAzureCliError, LIVE_CREDENTIAL_SETTING, LIVE_CREDENTIALS, liveCredentialLabel, parseLiveCredentialChoice } from './azure-cli';
