using OrleansTasks.Tasks;

namespace OrleansTasks.Schedules;

/// <summary>Checks a new schedule's name, task template and policies; throws <see cref="InvalidScheduleRequestException"/> naming the field. The trigger is checked by <see cref="TriggerPlan.Validate"/>.</summary>
public static class ScheduleRequestValidator
{
    public static void Validate(CreateSchedule request, TasksOptions tasks, SchedulesOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(options);
        if (request.Name is null || request.Name.Length > ScheduleGrain.MaxNameLength || request.Name.Any(char.IsControl))
        {
            throw new InvalidScheduleRequestException("name", $"A schedule's name is at most {ScheduleGrain.MaxNameLength} characters without control characters.");
        }

        if (request.Task is null)
        {
            throw new InvalidScheduleRequestException("task", "A schedule needs the 'task' it runs.");
        }

        try
        {
            TaskRequestValidator.Validate(TemplateTask.Start(request.Task, request.OwnerId, scheduleId: null), tasks);
        }
        catch (InvalidTaskRequestException exception)
        {
            throw new InvalidScheduleRequestException("task." + exception.Field, exception.Message);
        }

        if (!request.Task.Documents.IsDefault && request.Task.Documents.Length > options.MaxTemplateDocuments)
        {
            throw new InvalidScheduleRequestException("task.documents",
                $"A schedule's task holds at most {options.MaxTemplateDocuments} inline documents; use a directory source for more.");
        }

        if (!Enum.IsDefined(request.Missed) || !Enum.IsDefined(request.Overlap))
        {
            throw new InvalidScheduleRequestException("policy", "Unknown missed-run or overlap policy.");
        }
    }
}
