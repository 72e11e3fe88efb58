/**
 * License normalization of spec 03 §4.3: common SPDX-style ids become their human-readable names;
 * anything else is kept as given, so the mapping is idempotent.
 */
const LICENSE_NAMES: Readonly<Record<string, string>> = {
  'apache-2.0': 'Apache 2.0',
  mit: 'MIT',
  'bsd-2-clause': 'BSD 2-Clause',
  'bsd-3-clause': 'BSD 3-Clause',
  'gpl-2.0': 'GPL 2.0',
  'gpl-3.0': 'GPL 3.0',
  'lgpl-2.1': 'LGPL 2.1',
  'lgpl-3.0': 'LGPL 3.0',
  llama2: 'Llama 2 Community License',
  llama3: 'Llama 3 Community License',
  'llama3.1': 'Llama 3.1 Community License',
  'llama3.2': 'Llama 3.2 Community License',
  'llama3.3': 'Llama 3.3 Community License',
  llama4: 'Llama 4 Community License',
  gemma: 'Gemma License',
  'nvidia-open-model-license': 'NVIDIA Open Model License',
  openrail: 'OpenRAIL License',
  'bigscience-openrail-m': 'BigScience OpenRAIL-M License',
  '0bsd': 'BSD Zero Clause License',
  'afl-3.0': 'Academic Free License v3.0',
  'agpl-3.0': 'GNU Affero General Public License v3.0',
  'apache-1.1': 'Apache License 1.1',
  'artistic-2.0': 'Artistic License 2.0',
  'bsd-3-clause-clear': 'BSD 3-Clause Clear License',
  'bsl-1.0': 'Boost Software License 1.0',
  'cc-by-3.0': 'Creative Commons Attribution 3.0 Unported',
  'cc-by-4.0': 'Creative Commons Attribution 4.0 International',
  'cc-by-sa-3.0': 'Creative Commons Attribution Share Alike 3.0 Unported',
  'cc-by-sa-4.0': 'Creative Commons Attribution Share Alike 4.0 International',
  'cc-by-nc-4.0': 'Creative Commons Attribution Non Commercial 4.0 International',
  'cc-by-nc-sa-4.0': 'Creative Commons Attribution Non Commercial Share Alike 4.0 International',
  'cc-by-nc-nd-4.0': 'Creative Commons Attribution Non Commercial No Derivatives 4.0 International',
  'cc-by-nd-4.0': 'Creative Commons Attribution No Derivatives 4.0 International',
  'cc0-1.0': 'Creative Commons Zero v1.0 Universal',
  'cdla-permissive-2.0': 'Community Data License Agreement Permissive 2.0',
  'ecl-2.0': 'Educational Community License v2.0',
  'epl-2.0': 'Eclipse Public License 2.0',
  'eupl-1.2': 'European Union Public License 1.2',
  isc: 'ISC License',
  'lppl-1.3c': 'LaTeX Project Public License v1.3c',
  'mpl-2.0': 'Mozilla Public License 2.0',
  'ms-pl': 'Microsoft Public License',
  ncsa: 'University of Illinois/NCSA Open Source License',
  'odbl-1.0': 'Open Data Commons Open Database License v1.0',
  'ofl-1.1': 'SIL Open Font License 1.1',
  'osl-3.0': 'Open Software License 3.0',
  'pddl-1.0': 'Open Data Commons Public Domain Dedication & License 1.0',
  postgresql: 'PostgreSQL License',
  unlicense: 'The Unlicense',
  zlib: 'zlib License',
};

/** The stored form of a license value; undefined when it is empty after trimming. */
export function normalizeLicense(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const lower = trimmed.toLowerCase();
  return Object.hasOwn(LICENSE_NAMES, lower) ? LICENSE_NAMES[lower] : trimmed;
}
