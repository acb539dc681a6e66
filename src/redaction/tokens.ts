/**
 * Secrets recognisable by their own shape, wherever they appear: provider tokens with a fixed
 * prefix, JWTs, webhook URLs. Each rule is named after the gitleaks rule it follows
 * (github.com/gitleaks/gitleaks, config/gitleaks.toml).
 *
 * Every pattern starts with a literal prefix (the scanner finds those with one search) and uses
 * only bounded quantifiers over one character class at a time, so that a failed attempt costs at
 * most one pass over the run it started in.
 */

export interface TokenRule {
  /** The gitleaks rule id (or the nearest one). */
  id: string;
  /** Literal prefixes that start this token, as they appear (matched case-insensitively, then checked). */
  prefixes: readonly string[];
  /**
   * Sticky, case-sensitive, tried at the prefix. Group 1 is the part kept visible (the prefix, so
   * that the reader knows what was there); the rest of the match is replaced.
   */
  re: RegExp;
  /** What the scanner searches for instead of the prefixes, when a prefix alone is too common (`SK`). */
  trigger?: string;
}

/** Not a letter, digit, `_` or `-` after the token: `ghp_…` must not run on into more token. */
const END = '(?![A-Za-z0-9_-])';

const rule = (id: string, prefixes: readonly string[], source: string, trigger?: string): TokenRule => ({
  id,
  prefixes,
  re: new RegExp(source, 'y'),
  ...(trigger !== undefined ? { trigger } : {}),
});

export const TOKEN_RULES: readonly TokenRule[] = [
  rule('github-pat', ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], `(gh[pousr]_)[A-Za-z0-9]{30,255}${END}`),
  rule('github-fine-grained-pat', ['github_pat_'], `(github_pat_)[A-Za-z0-9_]{22,255}${END}`),
  rule('gitlab-pat', ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'gloas-', 'glcbt-', 'glagent-', 'glimt-', 'glft-', 'glsoat-'], `(gl(?:pat|dt|rt|ptt|oas|cbt|agent|imt|ft|soat)-)[A-Za-z0-9_.-]{20,255}`),
  rule('gitlab-runner-registration-token', ['GR1348941'], `(GR1348941)[A-Za-z0-9_-]{20,64}`),
  rule('slack-bot-token', ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-'], `(xox[abposre]-)[A-Za-z0-9-]{8,512}`),
  rule('slack-config-access-token', ['xoxe.'], `(xoxe\\.xox[bp]-)[A-Za-z0-9-]{8,512}`),
  rule('slack-app-token', ['xapp-'], `(xapp-)[A-Za-z0-9-]{8,512}`),
  rule('slack-webhook-url', ['hooks.slack.com/'], `(hooks\\.slack\\.com/(?:services|workflows|triggers)/)[A-Za-z0-9+/_-]{16,200}`),
  rule('microsoft-teams-webhook', ['webhook.office.com/'], `(webhook\\.office\\.com/webhookb2/)[A-Za-z0-9@/_-]{40,400}`),
  rule('discord-webhook-url', ['discord.com/api/webhooks/', 'discordapp.com/api/webhooks/'], `(discord(?:app)?\\.com/api/webhooks/)[0-9]{17,20}/[A-Za-z0-9_-]{40,100}`),
  rule('telegram-bot-api-token', ['api.telegram.org/bot'], `(api\\.telegram\\.org/bot)[0-9]{5,16}:[A-Za-z0-9_-]{30,40}`),
  rule('stripe-access-token', ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_'], `((?:sk|rk)_(?:live|test|prod)_)[A-Za-z0-9]{10,255}`),
  rule('stripe-webhook-secret', ['whsec_'], `(whsec_)[A-Za-z0-9+/=]{20,255}`),
  rule('aws-access-token', ['A3T', 'AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA'], `(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}${END}`),
  rule('jwt', ['eyJ'], `()eyJ[A-Za-z0-9_-]{8,4096}\\.eyJ[A-Za-z0-9_-]{8,65536}\\.[A-Za-z0-9_-]{0,4096}(?:\\.[A-Za-z0-9_-]{0,65536}\\.[A-Za-z0-9_-]{0,4096})?`),
  rule('grafana-api-key', ['eyJ'], `()eyJrIjoi[A-Za-z0-9]{70,400}={0,3}`),
  // Base64 of `{"auths":`: a Docker config (`.dockerconfigjson` in a Kubernetes secret) with its registry credentials.
  rule('kubernetes-secret-yaml', ['eyJ'], `()eyJhdXRocyI6[A-Za-z0-9+/]{20,65536}={0,2}`),
  rule('gcp-api-key', ['AIza'], `(AIza)[A-Za-z0-9_-]{35}${END}`),
  rule('gcp-oauth-access-token', ['ya29.'], `(ya29\\.)[A-Za-z0-9_-]{20,2048}`),
  rule('anthropic-api-key', ['sk-ant-'], `(sk-ant-(?:api|admin)[0-9]{2}-)[A-Za-z0-9_-]{80,200}`),
  rule('openai-api-key', ['sk-proj-', 'sk-svcacct-', 'sk-admin-'], `(sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]{40,300}`),
  rule('openai-api-key', ['sk-'], `(sk-)[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`, 'sk-[a-z0-9]{20}t3blbkfj'),
  rule('npm-access-token', ['npm_'], `(npm_)[A-Za-z0-9]{36}${END}`),
  rule('pypi-upload-token', ['pypi-AgEIcHlwaS5vcmc'], `(pypi-)AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}`),
  rule('sendgrid-api-token', ['SG.'], `(SG\\.)[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}`),
  rule('digitalocean-pat', ['dop_v1_', 'doo_v1_', 'dor_v1_'], `(do[opr]_v1_)[a-f0-9]{64}`),
  rule('vault-service-token', ['hvs.', 'hvb.'], `(hv[sb]\\.)[A-Za-z0-9_-]{24,400}`),
  rule('huggingface-access-token', ['hf_'], `(hf_)[A-Za-z]{34}${END}`),
  rule('shopify-access-token', ['shpat_', 'shpss_', 'shpca_', 'shppa_'], `(shp(?:at|ss|ca|pa)_)[a-fA-F0-9]{32}`),
  rule('databricks-api-token', ['dapi'], `(dapi)[a-f0-9]{32}(?:-[0-9])?${END}`),
  rule('grafana-cloud-api-token', ['glc_'], `(glc_)[A-Za-z0-9+/]{32,400}={0,3}`),
  rule('grafana-service-account-token', ['glsa_'], `(glsa_)[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}`),
  rule('doppler-api-token', ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.'], `(dp\\.(?:pt|st|sa|ct)\\.)[A-Za-z0-9]{40,44}`),
  rule('dynatrace-api-token', ['dt0c01.'], `(dt0c01\\.)[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}`),
  rule('linear-api-key', ['lin_api_'], `(lin_api_)[A-Za-z0-9]{40}`),
  rule('postman-api-token', ['PMAK-'], `(PMAK-)[a-fA-F0-9]{24}-[a-fA-F0-9]{34}`),
  rule('pulumi-api-token', ['pul-'], `(pul-)[a-f0-9]{40}`),
  rule('sentry-user-token', ['sntrys_', 'sntryu_'], `(sntry[su]_)[A-Za-z0-9+/=_]{40,400}`),
  rule('planetscale-api-token', ['pscale_tkn_', 'pscale_pw_', 'pscale_oauth_'], `(pscale_(?:tkn|pw|oauth)_)[A-Za-z0-9_=.-]{32,64}`),
  rule('rubygems-api-token', ['rubygems_'], `(rubygems_)[a-f0-9]{48}`),
  rule('flyio-access-token', ['fo1_'], `(fo1_)[A-Za-z0-9_-]{43}`),
  rule('1password-service-account-token', ['ops_'], `(ops_)eyJ[A-Za-z0-9+/]{100,4096}={0,3}`),
  rule('age-secret-key', ['AGE-SECRET-KEY-1'], `(AGE-SECRET-KEY-1)[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`),
  rule('new-relic-user-api-key', ['NRAK-'], `(NRAK-)[A-Z0-9]{27}`),
  rule('atlassian-api-token', ['ATATT3'], `(ATATT3)[A-Za-z0-9_=-]{100,300}`),
  rule('clojars-api-token', ['CLOJARS_'], `(CLOJARS_)[a-z0-9]{60}`),
  rule('heroku-api-key-v2', ['HRKU-'], `(HRKU-)AA[A-Za-z0-9_-]{58}`),
  rule('perplexity-api-key', ['pplx-'], `(pplx-)[A-Za-z0-9]{48}`),
  rule('prefect-api-token', ['pnu_'], `(pnu_)[A-Za-z0-9]{36}`),
  rule('readme-api-token', ['rdme_'], `(rdme_)[a-z0-9]{70}`),
  rule('settlemint-personal-access-token', ['sm_pat_', 'sm_aat_', 'sm_sat_'], `(sm_(?:pat|aat|sat)_)[A-Za-z0-9]{16}`),
  rule('notion-api-token', ['ntn_'], `(ntn_)[0-9]{11}[A-Za-z0-9]{35}`),
  rule('alibaba-access-key-id', ['LTAI'], `(LTAI)[A-Za-z0-9]{20}${END}`),
  rule('artifactory-api-key', ['AKCp'], `(AKCp)[A-Za-z0-9]{69}`),
  rule('square-access-token', ['sq0atp-', 'sq0csp-'], `(sq0(?:atp|csp)-)[A-Za-z0-9_-]{22,60}`),
  rule('twilio-api-key', ['SK'], `(SK)[0-9a-fA-F]{32}${END}`, 'sk[0-9a-f]{32}'),
];
