using Idarati.Api;

return await ApiHost.RunAsync(args);
