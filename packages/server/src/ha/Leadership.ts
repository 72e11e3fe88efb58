/** Whether this replica runs the cluster-wide singleton tasks (spec 05 §7.3): the elected leader does. */
export interface Leadership { runsSingletonTasks(): boolean }
