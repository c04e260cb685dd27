using System.Numerics;

namespace Auditor.Detection.Features;

// Per-thread scratch buffers.
public static partial class FeatureExtractor
{
    /// <summary>Per-thread buffers, grown to the largest output seen and reused.</summary>
    private sealed class Scratch
    {
        public char[] Folded = [];
        public int[] Words = [];
        public int[] LineEnds = [];
        private int[] _head = [];
        private ulong[] _set = [];

        public void Ensure(int length)
        {
            // Words and LineEnds hold one more entry than characters: an empty output on a fresh thread still needs one.
            if (Folded.Length < length || Words.Length < length + 1)
            {
                Folded = new char[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1024))];
                Words = new int[Folded.Length + 1];
                LineEnds = new int[Folded.Length + 1];
            }
        }

        private int _nextStamp = 1;

        // The LZ77 hash table is never cleared: each output gets a stamp above every position stored before it.
        public Span<int> Head(int size, int length, out int stamp)
        {
            if (_head.Length < size || _nextStamp > int.MaxValue - length - 1)
            {
                _head = new int[Math.Max(size, _head.Length)];
                _nextStamp = 1;
            }
            stamp = _nextStamp;
            _nextStamp += length + 1;
            return _head.AsSpan(0, size);
        }

        private ulong[] _keys = [];
        private int[] _previous = [];

        // For each indexed position, the table entry it replaced (the previous position with the same hash): a hash chain.
        // Written before it is read for every position of the current output, so it is never cleared.
        public Span<int> Previous(int length)
        {
            if (_previous.Length < length)
                _previous = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1024))];
            return _previous.AsSpan(0, length);
        }

        // n-gram hashes, one per word (at most MaxNGramWords).
        public Span<ulong> NGramKeys(int words)
        {
            if (_keys.Length < words)
                _keys = new ulong[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(words, 1024))];
            return _keys.AsSpan(0, words);
        }

        private ulong[] _shapes = [];
        private int[] _shapeStarts = [];
        private byte[] _covered = [];
        private ulong[] _gramKeys = [];
        private byte[] _gramLetters = [];

        // Token shapes, their start offsets, coverage flags, and the 4-gram keys with whether each holds a letter, for the
        // near-copy search (at most one token per character).
        public void NearCopyBuffers(int tokens, out Span<ulong> shapes, out Span<int> starts, out Span<byte> covered,
            out Span<ulong> gramKeys, out Span<byte> gramLetters)
        {
            if (_shapes.Length < tokens)
            {
                var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(tokens, 1024));
                (_shapes, _shapeStarts, _covered) = (new ulong[size], new int[size], new byte[size]);
                (_gramKeys, _gramLetters) = (new ulong[size], new byte[size]);
            }
            shapes = _shapes.AsSpan(0, tokens);
            starts = _shapeStarts.AsSpan(0, tokens);
            covered = _covered.AsSpan(0, tokens);
            gramKeys = _gramKeys.AsSpan(0, tokens);
            gramLetters = _gramLetters.AsSpan(0, tokens);
        }

        private uint _epoch;

        public Span<ulong> Set(int size, out uint epoch)
        {
            if (_set.Length < size)
            {
                _set = new ulong[size];
                _epoch = 0;
            }
            if (++_epoch == 0)
            {
                // After 2^32 counts the tags would repeat: start over from a clean table.
                Array.Clear(_set);
                _epoch = 1;
            }
            epoch = _epoch;
            return _set.AsSpan(0, size);
        }
    }
}
