using System.Buffers;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Serializers;

namespace OrleansTasks;

/// <summary>
/// Serializes the base as the plain <see cref="Exception"/> it adds nothing to, so that a subtype is written
/// exactly as when it derived from <see cref="Exception"/>: <see cref="InvalidTaskRequestException"/> did, and
/// silos of the previous release must still read it and be read.
/// </summary>
[RegisterSerializer, RegisterCopier]
internal sealed class InvalidRequestExceptionBaseCodec(ICodecProvider codecs) : IBaseCodec<InvalidRequestException>, IBaseCopier<InvalidRequestException>
{
    private readonly IBaseCodec<Exception> _exception = codecs.GetBaseCodec<Exception>();
    private readonly IBaseCopier<Exception> _copier = codecs.GetBaseCopier<Exception>();

    public void Serialize<TBufferWriter>(ref Writer<TBufferWriter> writer, InvalidRequestException value)
        where TBufferWriter : IBufferWriter<byte> => _exception.Serialize(ref writer, value);

    public void Deserialize<TInput>(ref Reader<TInput> reader, InvalidRequestException value) => _exception.Deserialize(ref reader, value);

    public void DeepCopy(InvalidRequestException input, InvalidRequestException output, CopyContext context) => _copier.DeepCopy(input, output, context);
}
