using Microsoft.Extensions.FileProviders;

namespace Auditor.Server.Web;

public static class WebRoot
{
    /// <summary>
    /// Serves wwwroot from the content root when it is there (dotnet run, tests), else from beside the assembly
    /// (a server started as `dotnet Auditor.Server.dll` from another folder, with its data in that folder).
    /// </summary>
    public static IApplicationBuilder UseAuditorWebRoot(this WebApplication app)
    {
        var contentWebRoot = Path.Combine(app.Environment.ContentRootPath, "wwwroot");
        var besideAssembly = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!Directory.Exists(contentWebRoot) && Directory.Exists(besideAssembly))
        {
            app.Environment.WebRootPath = besideAssembly;
            app.Environment.WebRootFileProvider = new PhysicalFileProvider(besideAssembly);
        }
        return app.UseStaticFiles();
    }
}
