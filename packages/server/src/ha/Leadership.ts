export interface Leadership { runsSingletonTasks(): boolean }
