import { Random, Zipf } from './random.js';

/**
 * Vocabulary and sentence builders for generated entities. The text is original, organizations are
 * fictional and hosts use reserved example domains (spec 02 §10.1), and each entity's text revolves
 * around one topic so that descriptions read like a catalog rather than word salad, while search
 * (`q=`) still meets realistic term frequencies.
 */

/** A business area an entity is about: names, descriptions, paths and URLs are built from it. */
export interface Topic {
  /** Used in names and paths. */
  slug: string;
  plural: string;
  /** Where such records live, as a noun phrase. */
  system: string;
  team: string;
}

export const TOPICS: readonly Topic[] = [
  { slug: 'invoice', plural: 'invoices', system: 'the billing platform', team: 'Finance Operations' },
  { slug: 'ticket', plural: 'support tickets', system: 'the service desk', team: 'Customer Care Engineering' },
  { slug: 'deployment', plural: 'deployments', system: 'the release pipeline', team: 'Platform Team' },
  { slug: 'incident', plural: 'incidents', system: 'the on-call tracker', team: 'SRE Guild' },
  { slug: 'contract', plural: 'contracts', system: 'the contract repository', team: 'Legal Operations' },
  { slug: 'shipment', plural: 'shipments', system: 'the logistics system', team: 'Supply Chain' },
  { slug: 'order', plural: 'customer orders', system: 'the order management system', team: 'Commerce Team' },
  { slug: 'ledger', plural: 'ledger entries', system: 'the general ledger', team: 'Finance Operations' },
  { slug: 'inventory', plural: 'stock levels', system: 'the warehouse system', team: 'Supply Chain' },
  { slug: 'release', plural: 'release notes', system: 'the release pipeline', team: 'Developer Experience' },
  { slug: 'alert', plural: 'alerts', system: 'the monitoring stack', team: 'SRE Guild' },
  { slug: 'logs', plural: 'application logs', system: 'the log archive', team: 'Platform Team' },
  { slug: 'claim', plural: 'insurance claims', system: 'the claims platform', team: 'Claims Operations' },
  { slug: 'payroll', plural: 'payroll runs', system: 'the HR system', team: 'People Operations' },
  { slug: 'product', plural: 'product listings', system: 'the product catalog', team: 'Commerce Team' },
  { slug: 'runbook', plural: 'runbooks', system: 'the operations wiki', team: 'SRE Guild' },
  { slug: 'backup', plural: 'backup jobs', system: 'the backup service', team: 'Platform Team' },
  { slug: 'access', plural: 'access requests', system: 'the identity provider', team: 'Security Engineering' },
  { slug: 'vulnerability', plural: 'vulnerability reports', system: 'the security scanner', team: 'Security Engineering' },
  { slug: 'forecast', plural: 'demand forecasts', system: 'the data warehouse', team: 'Data Platform' },
  { slug: 'survey', plural: 'survey responses', system: 'the feedback tool', team: 'Customer Insights' },
  { slug: 'onboarding', plural: 'onboarding tasks', system: 'the HR portal', team: 'People Operations' },
  { slug: 'certificate', plural: 'TLS certificates', system: 'the certificate manager', team: 'Platform Team' },
  { slug: 'pipeline', plural: 'data pipelines', system: 'the orchestration service', team: 'Data Platform' },
];

/** Fictional organizations (spec 02 §10.1). */
export const ORGANIZATIONS = [
  'Northwind Traders', 'Contoso Labs', 'Fabrikam Data', 'Tailspin Ops', 'Woodgrove Security', 'Adventure Works',
  'Litware', 'Proseware', 'Wide World Importers', 'Coho Vineyard', 'Lamna Healthcare', 'Trey Research', 'Relecloud',
  'Fourth Coffee', 'Wingtip Toys',
] as const;

/** Authors are teams, never people (spec 02 §10.1). */
export const TEAMS = [
  'Platform Team', 'SRE Guild', 'Data Platform', 'Security Engineering', 'Workplace IT', 'Finance Operations',
  'Customer Care Engineering', 'ML Enablement', 'Developer Experience', 'Compliance Office', 'Integration Team',
] as const;

/** SPDX ids as authors write them; the non-model plugins keep licenses as given. */
export const LICENSES = ['Apache-2.0', 'MIT', 'BSD-3-Clause', 'MPL-2.0', 'ISC', 'CC-BY-4.0', 'LicenseRef-Proprietary'] as const;

/** Verbs in base form, for names (`reconcile-invoice-12`) and instructions. */
export const ACTIONS = [
  'lookup', 'triage', 'summarize', 'reconcile', 'route', 'review', 'classify', 'export', 'sync', 'audit',
  'forecast', 'validate', 'plan', 'escalate', 'draft', 'search', 'enrich', 'archive',
] as const;

const DESCRIBING_VERBS = [
  'Looks up', 'Summarizes', 'Reconciles', 'Classifies', 'Routes', 'Validates', 'Enriches', 'Exports', 'Monitors',
  'Indexes', 'Drafts replies to', 'Tracks changes to', 'Answers questions about', 'Flags anomalies in',
];
const OUTCOMES = [
  'returns a short structured summary', 'flags anything that needs a human decision', 'keeps the audit trail complete',
  'links every answer to its source record', 'raises an alert when a threshold is crossed',
  'retries transient failures with backoff', 'hands edge cases to the owning team', 'records each decision with its reason',
];
const SITUATIONS = [
  'a reviewer needs the full history of a record', 'the queue grows faster than people can triage it',
  'numbers from two systems disagree', 'a change has to be approved before it ships',
  'the same question comes up for the tenth time in a week', 'a report is due at the end of the month',
  'an on-call engineer is paged at night', 'a customer asks for the status of a request',
];
const PROCESSED = ['checked', 'refreshed', 'indexed', 're-scored', 'synchronized', 'archived'];
const CADENCES = ['every night', 'every fifteen minutes', 'on every change', 'once a week', 'on request'];
const BENEFITS = [
  'stale entries never linger', 'dashboards always show current figures', 'nobody has to copy data by hand',
  'audits find a complete record', 'answers stay consistent across teams',
];
const CONDITIONS = [
  'the input names the record explicitly', 'the caller has read access to the source system',
  'requests stay under a few hundred words', 'the owning team keeps the mapping table current',
];
const ROLES = ['assistant', 'coordinator', 'reviewer', 'analyst', 'dispatcher', 'advisor'];
const ALWAYS = [
  'cite the record identifier you used', 'state which system an answer comes from',
  'ask for the missing detail instead of guessing', 'summarize the outcome in the first sentence',
  'prefer the most recent record when two disagree', 'mention when data is older than one day',
];
const NEVER = [
  'share credentials, tokens or personal data', 'change a record without an explicit confirmation',
  'promise delivery dates the source system does not show', 'invent identifiers, amounts or dates',
  'continue after a tool reports a permission error',
];
const REACTIONS = [
  'explain the options and let the person choose', 'hand the conversation to the owning team with a summary',
  'collect the identifiers first and then look them up', 'answer with a numbered list of next steps',
];
const UNSURE = [
  'say so and point to the owning team', 'ask one clarifying question', 'offer to open a ticket instead of guessing',
];

/** Instruction kinds (see `instruction`) that would contradict or repeat themselves if stated twice. */
const ONCE_PER_TEXT: ReadonlySet<number> = new Set([3, 4, 5]);

/** Sentences per description: usually one or two, occasionally a short paragraph. */
const DESCRIPTION_SENTENCES = [1, 2, 3, 4, 5] as const;

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Text builders over one random stream. */
export class TextKit {
  // A steeper skew than the enums: most catalog descriptions are one or two sentences.
  private readonly descriptionLength = new Zipf(DESCRIPTION_SENTENCES, 1.5);

  constructor(private readonly random: Random) {}

  topic(): Topic {
    return this.random.pick(TOPICS);
  }

  organization(): string {
    return this.random.pick(ORGANIZATIONS);
  }

  team(): string {
    return this.random.pick(TEAMS);
  }

  /** One third-person sentence about the topic, as catalog descriptions are written. */
  describingSentence(topic: Topic): string {
    const r = this.random;
    switch (r.int(0, 4)) {
      case 0:
        return `${r.pick(DESCRIBING_VERBS)} ${topic.plural} in ${topic.system} and ${r.pick(OUTCOMES)}.`;
      case 1:
        return `Maintained by the ${topic.team} of ${this.organization()}; ${r.pick(OUTCOMES)}.`;
      case 2:
        return `Typical use: ${r.pick(SITUATIONS)}.`;
      case 3:
        return `${capitalize(topic.plural)} are ${r.pick(PROCESSED)} ${r.pick(CADENCES)}, so ${r.pick(BENEFITS)}.`;
      default:
        return `Works best when ${r.pick(CONDITIONS)}.`;
    }
  }

  /** A description of one to five sentences, the first always saying what the entity does. */
  description(topic: Topic): string {
    const count = this.descriptionLength.draw(this.random);
    const sentences = [`${this.random.pick(DESCRIBING_VERBS)} ${topic.plural} in ${topic.system} and ${this.random.pick(OUTCOMES)}.`];
    while (sentences.length < count) sentences.push(this.describingSentence(topic));
    return sentences.join(' ');
  }

  /**
   * One imperative sentence of system instructions. `used` collects the kinds already written: the
   * answer-length and scope rules are stated once per text, the others may recur with other wording.
   */
  instruction(topic: Topic, used: Set<number> = new Set()): string {
    const r = this.random;
    let kind = r.int(0, 5);
    if (used.has(kind) && ONCE_PER_TEXT.has(kind)) kind = r.int(0, 2);
    used.add(kind);
    switch (kind) {
      case 0:
        return `Always ${r.pick(ALWAYS)}.`;
      case 1:
        return `Never ${r.pick(NEVER)}.`;
      case 2:
        return `When ${r.pick(SITUATIONS)}, ${r.pick(REACTIONS)}.`;
      case 3:
        return `Keep answers under ${r.int(3, 12)} sentences unless someone asks for detail.`;
      case 4:
        return `If you are unsure, ${r.pick(UNSURE)}.`;
      default:
        return `Only work with ${topic.plural} from ${topic.system}; decline anything else politely.`;
    }
  }

  /**
   * System instructions: an opening that sets role and scope, then `sentences` rules grouped into
   * paragraphs of two to four sentences separated by blank lines, as prompt authors write them.
   */
  instructions(topic: Topic, sentences: number): string {
    const r = this.random;
    const paragraphs = [
      `You are the ${r.pick(ROLES)} for the ${topic.team} at ${this.organization()}. ` +
        `Help people ${r.pick(ACTIONS)} ${topic.plural} in ${topic.system}.`,
    ];
    const used = new Set<number>();
    let remaining = sentences;
    while (remaining > 0) {
      const size = Math.min(remaining, r.int(2, 4));
      paragraphs.push(Array.from({ length: size }, () => this.instruction(topic, used)).join(' '));
      remaining -= size;
    }
    return paragraphs.join('\n\n');
  }
}
