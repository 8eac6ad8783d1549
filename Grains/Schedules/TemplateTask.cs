namespace OrleansTasks.Schedules;

/// <summary>The task a schedule's template starts: checked with it at creation, started from it at each run.</summary>
public static class TemplateTask
{
    public static StartIndexTask Start(TaskTemplate template, string ownerId, Guid? scheduleId)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new StartIndexTask(
            ownerId,
            template.Collection,
            template.Documents,
            template.Source,
            ScheduleId: scheduleId,
            Retry: template.Retry,
            Timeout: template.Timeout)
        {
            Priority = template.Priority,
            DeleteMissing = template.DeleteMissing,
        };
    }
}
