namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Follows the frames of RFC 6455 §5.2 in the bytes a client sends, however they are split into
/// reads, and reports each pong's (unmasked) payload to the <see cref="PingTracker"/>. Other
/// frames are skipped; the WebSocket itself still parses and validates everything.
/// </summary>
public sealed class IncomingFrameReader(PingTracker pings)
{
    private const int PongOpcode = 0xA;
    private const int MaxControlPayload = 125;

    private readonly byte[] _mask = new byte[4];
    private readonly byte[] _payload = new byte[MaxControlPayload];
    private Part _part = Part.First;
    private int _opcode;
    private bool _masked;
    private int _lengthBytesLeft;
    private long _length;
    private int _maskRead;
    private long _payloadRead;

    private enum Part
    {
        First,
        Second,
        ExtendedLength,
        Mask,
        Payload,

        /// <summary>The client sent a frame no endpoint may send; the WebSocket closes the connection, and nothing more is followed here.</summary>
        Lost,
    }

    public void Read(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && _part != Part.Lost)
        {
            switch (_part)
            {
                case Part.First:
                    _opcode = data[0] & 0x0F;
                    _part = Part.Second;
                    data = data[1..];
                    break;
                case Part.Second:
                    _masked = (data[0] & 0x80) != 0;
                    _length = data[0] & 0x7F;
                    _lengthBytesLeft = _length switch { 126 => 2, 127 => 8, _ => 0 };
                    if (_lengthBytesLeft > 0)
                    {
                        _length = 0;
                    }

                    data = data[1..];
                    AfterLength();
                    break;
                case Part.ExtendedLength:
                    _length = (_length << 8) | data[0];
                    data = data[1..];
                    if (--_lengthBytesLeft == 0)
                    {
                        // RFC 6455 §5.2: a 64-bit length has its most significant bit 0. Read as
                        // negative, it would take nothing from each read and spin here for ever.
                        _part = _length < 0 ? Part.Lost : _part;
                        AfterLength();
                    }

                    break;
                case Part.Mask:
                    _mask[_maskRead++] = data[0];
                    data = data[1..];
                    if (_maskRead == 4)
                    {
                        StartPayload();
                    }

                    break;
                case Part.Payload:
                    var take = (int)Math.Min(data.Length, _length - _payloadRead);
                    if (_opcode == PongOpcode && _length <= MaxControlPayload)
                    {
                        data[..take].CopyTo(_payload.AsSpan((int)_payloadRead));
                    }

                    _payloadRead += take;
                    data = data[take..];
                    if (_payloadRead == _length)
                    {
                        EndFrame();
                    }

                    break;
            }
        }
    }

    private void AfterLength()
    {
        if (_part == Part.Lost)
        {
            return;
        }

        if (_lengthBytesLeft > 0)
        {
            _part = Part.ExtendedLength;
        }
        else if (_masked)
        {
            _maskRead = 0;
            _part = Part.Mask;
        }
        else
        {
            StartPayload();
        }
    }

    private void StartPayload()
    {
        _payloadRead = 0;
        _part = Part.Payload;
        if (_length == 0)
        {
            EndFrame();
        }
    }

    private void EndFrame()
    {
        if (_opcode == PongOpcode && _length <= MaxControlPayload)
        {
            var payload = _payload.AsSpan(0, (int)_length);
            if (_masked)
            {
                for (var i = 0; i < payload.Length; i++)
                {
                    payload[i] ^= _mask[i % 4];
                }
            }

            pings.PongReceived(payload);
        }

        _part = Part.First;
    }
}
