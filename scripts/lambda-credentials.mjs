// Stands in for @aws-sdk/credential-provider-node in the bundles. Lambda hands every function its
// role's credentials in environment variables, and local runs set them the same way, so the
// rest of the SDK's default chain (profiles, SSO, web identity, container and instance metadata:
// ~95 KB of code compiled and evaluated at every cold start) is left out.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
