using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Gateway.Auth;

/// <summary>JWT bearer validation as the protocol pins it: algorithm, issuer, audience, expiry and signature required.</summary>
public sealed class JwtSetup(IOptions<AuthOptions> options, SigningKeyHolder keys) : IConfigureNamedOptions<JwtBearerOptions>
{
    public const int MaxTokenBytes = 8 * 1024;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    public void Configure(string? name, JwtBearerOptions jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        var settings = options.Value;
        jwt.MapInboundClaims = false;
        jwt.TokenHandlers.Clear();
        jwt.TokenHandlers.Add(new JsonWebTokenHandler { MaximumTokenSizeInBytes = MaxTokenBytes });
        if (!string.IsNullOrEmpty(settings.Authority))
        {
            jwt.Authority = settings.Authority;
            jwt.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        }

        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = settings.Issuer,
            ValidateAudience = true,
            ValidAudience = settings.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = keys.Key?.Key,
            ValidAlgorithms = keys.Key is null ? [SecurityAlgorithms.RsaSha256] : [SecurityAlgorithms.HmacSha256],
            ClockSkew = MaxClockSkew,
            NameClaimType = TokenClaims.Subject,
            RoleClaimType = TokenClaims.Role,
        };
        jwt.Events = new JwtBearerEvents
        {
            // Browsers cannot set headers on a WebSocket handshake: the seed's clients send ?token=.
            OnMessageReceived = context =>
            {
                if (IsSocketRequest(context.Request)
                    && context.Request.Query.TryGetValue("token", out var token)
                    && string.IsNullOrEmpty(context.Request.Headers.Authorization))
                {
                    context.Token = token.ToString();
                }

                return Task.CompletedTask;
            },

            // A socket's request lives for hours and the handler keeps its result for as long:
            // keep only what a socket needs, not the token and every claim parsed from it.
            OnTokenValidated = context =>
            {
                if (IsSocketRequest(context.Request) && context.Principal is { } principal)
                {
                    context.Principal = principal.Essentials();
                }

                return Task.CompletedTask;
            },
        };
    }

    private static bool IsSocketRequest(HttpRequest request) => request.Path.StartsWithSegments("/ws", StringComparison.Ordinal);

    public void Configure(JwtBearerOptions options) => Configure(JwtBearerDefaults.AuthenticationScheme, options);
}
